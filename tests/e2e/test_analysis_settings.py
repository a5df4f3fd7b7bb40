"""Analysis settings across real processes: a folder set to French is transcribed in French by the
multilingual Whisper checkpoint, and its run says which weights did it."""

import re
import shutil
from pathlib import Path

import httpx
import pytest

from framewise_dev.media import Segment, make_sample_video
from tests.e2e.processes import ML_TOKEN, running_stack
from tests.e2e.waits import NotYet, wait_until
from tests.tools import require_tool

pytestmark = pytest.mark.e2e
FRENCH = "Bonjour. Je m'appelle Marie. J'habite à Paris."


def test_a_french_folder_is_transcribed_in_french_by_the_multilingual_model(
    tmp_path: Path, database_url: str, valkey_url: str, media_root: Path, model_cache: Path
) -> None:
    require_tool("espeak-ng")
    source = make_sample_video(
        tmp_path / "source" / "bonjour.mp4",
        segments=[Segment(6.0, (30, 60, 120), "BONJOUR")],
        speech=FRENCH,
        voice="fr",
    )
    (media_root / "francais").mkdir()
    shutil.copy(source.path, media_root / "francais" / "bonjour.mp4")  # found by the scan asked for below
    with running_stack(
        tmp_path,
        database_url=database_url,
        valkey_url=valkey_url,
        media_root=media_root,
        model_cache=model_cache,
        env={"DISCOVERY_SETTLE_S": "0"},
    ) as stack:
        api = stack.api()
        folder = {"folder": "francais", "analyses": {"transcription": {"language": "fr"}}}
        assert api.put("/api/v1/settings/folders", json=folder).status_code == 200, "settings refused"
        assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 6

        def transcribed() -> dict[str, object]:
            (task,) = api.get("/api/v1/tasks", params={"task_type": "transcription"}).json()["items"]
            if task["status"] in ("FAILED", "CANCELLED"):
                raise AssertionError(f"transcription ended {task['status']}: {task['error']}")
            if task["status"] != "COMPLETED":
                raise NotYet(task["status"])
            return dict(task)

        task = wait_until(transcribed, timeout=600, message="the French transcription completes")
        assert task["config"] == {"language": "fr"}
        artifacts = api.get(
            f"/api/v1/videos/{task['video_id']}/artifacts", params={"artifact_type": "transcript_segment"}
        ).json()["items"]
        words = {re.sub(r"\W", "", w["word"]).lower() for a in artifacts for w in a["payload"]["words"]}
        assert {"bonjour", "marie", "paris"} <= words, words
        assert {a["payload"]["language"] for a in artifacts} == {"fr"}

        # The run names the multilingual checkpoint: the weights the ML service says French runs on
        # (base, the default for every language), not those of the English-only tiny.en.
        (run,) = api.get(f"/api/v1/tasks/{task['id']}/runs").json()["items"]
        ml = httpx.Client(base_url=stack.ml_url, headers={"Authorization": f"Bearer {ML_TOKEN}"}, timeout=120)
        french = ml.post("/configs/transcribe", json={"config": {"language": "fr"}}).json()
        english_only = ml.post("/configs/transcribe", json={"config": {"profile": "fast", "language": "en"}}).json()
        assert run["weights"] == french["weights"] != english_only["weights"]
        assert run["state"] == "current" and run["completed_at"] is not None
