"""The media roots over the API: what they are, and scanning one folder inside them."""

import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from framewise_dev.media import SampleVideo

pytestmark = pytest.mark.integration


def test_the_roots_and_discovery_settings_are_listed(client: TestClient, media_root: Path) -> None:
    body = client.get("/api/v1/paths").json()
    assert body["roots"] == [str(media_root)]
    assert body["upload_dir"] == str(media_root / "uploads")
    assert body["watch"] == "off" and body["settle_s"] == 0


def test_scanning_one_folder_registers_only_what_is_inside_it(
    client: TestClient, media_root: Path, sample_video: SampleVideo, tmp_path: Path
) -> None:
    for folder in ("new/batch", "elsewhere"):
        (media_root / folder).mkdir(parents=True)
        shutil.copy(sample_video.path, media_root / folder / "clip.mp4")
    by_relative = client.post("/api/v1/paths", json={"path": "new"}).json()
    assert by_relative["scanned"] == 1 and len(by_relative["new"]) == 1 and by_relative["tasks_created"] == 6
    by_absolute = client.post("/api/v1/paths", json={"path": str(media_root / "new" / "batch")}).json()
    assert by_absolute["scanned"] == 1 and by_absolute["new"] == [] and by_absolute["unchanged"] == 1
    assert [v["path"] for v in client.get("/api/v1/videos").json()["items"]] == ["new/batch/clip.mp4"]


def test_folders_outside_the_roots_missing_or_not_folders_are_refused_and_change_nothing(
    client: TestClient, media_root: Path, sample_video: SampleVideo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(sample_video.path, outside / "secret.mp4")
    os.symlink(outside, media_root / "link-out")
    shutil.copy(sample_video.path, media_root / "file.mp4")
    answers = {
        "../outside": 403,
        str(outside): 403,
        "link-out": 403,
        "/etc": 403,
        "missing": 404,
        "file.mp4": 404,
    }
    for path, status in answers.items():
        response = client.post("/api/v1/paths", json={"path": path})
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/paths", json={"path": ""}).status_code == 422
    assert client.post("/api/v1/paths", json={}).status_code == 422
    assert client.get("/api/v1/videos").json()["total"] == 0
