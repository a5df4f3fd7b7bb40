"""Discovery runs by itself: at start, on its schedule, from the file watcher (native and polling),
and once a file still being written has settled."""

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.api import api_client

pytestmark = pytest.mark.integration


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def wait_until_watching(client: TestClient, root: Path) -> None:
    """The watcher adds its watches on its first iteration: until it reports a change, make one (a new
    folder, which it reports) and look again; it is watching once a change has reached it."""
    for attempt in range(20):
        (root / f"probe-{attempt}").mkdir()
        try:
            eventually(lambda: client.get("/api/v1/paths").json()["watcher_changes"] > 0, timeout=3.0)
        except AssertionError:
            continue
        return
    raise AssertionError("the watcher never reported a change")


def paths(client: TestClient) -> list[str]:
    return sorted(v["path"] for v in client.get("/api/v1/videos").json()["items"])


@pytest.fixture
def stores_clean(engine: AsyncEngine, redis: Redis) -> None:
    return None


def test_discovery_runs_at_start(
    stores_clean: None, database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "already-here.mp4")
    old = time.time() - 60
    os.utime(media_root / "already-here.mp4", (old, old))
    with api_client(database_url, valkey_url, media_root, discover_on_start=True) as client:
        eventually(lambda: paths(client) == ["already-here.mp4"])
        assert client.get("/api/v1/tasks").json()["total"] == 6


def test_the_schedule_finds_new_files_without_a_request(
    stores_clean: None, database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    with api_client(database_url, valkey_url, media_root, discovery_interval_s=0.5) as client:
        shutil.copy(sample_video.path, media_root / "scheduled.mp4")
        eventually(lambda: paths(client) == ["scheduled.mp4"])


@pytest.mark.parametrize("mode", ["native", "poll"])
def test_the_watcher_finds_a_new_file_in_a_nested_folder(
    mode: str, stores_clean: None, database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    settings = {"discovery_watch": mode, "discovery_poll_interval_s": 0.3, "discovery_settle_s": 0.5}
    with api_client(database_url, valkey_url, media_root, **settings) as client:
        eventually(lambda: client.get("/api/v1/paths").json()["watch"] == mode)
        wait_until_watching(client, media_root)
        (media_root / "deep" / "er").mkdir(parents=True)
        shutil.copy(sample_video.path, media_root / "deep" / "er" / "watched.mkv")
        (media_root / "notes.txt").write_text("not a video, not a trigger")
        eventually(lambda: paths(client) == ["deep/er/watched.mkv"])


def test_a_file_still_being_written_is_taken_only_once_it_has_settled(
    stores_clean: None, database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    data = sample_video.path.read_bytes()
    with api_client(database_url, valkey_url, media_root, discovery_settle_s=1.5) as client:
        growing = media_root / "growing.mp4"
        growing.write_bytes(data[: len(data) // 2])  # half written
        first = client.post("/api/v1/paths/discover").json()
        assert first["settling"] == ["growing.mp4"] and first["new"] == [] and first["invalid"] == {}
        assert paths(client) == []
        growing.write_bytes(data)  # the writer finishes; the follow-up scan takes it once settled
        eventually(lambda: paths(client) == ["growing.mp4"], timeout=15)
        video = client.get("/api/v1/videos").json()["items"][0]
        assert video["status"] == "ready" and video["size"] == len(data)
        assert client.get("/api/v1/tasks").json()["total"] == 6
