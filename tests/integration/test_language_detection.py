"""Speech in a language nobody named, through the real parts: espeak-ng French and English videos in
a library whose only transcription setting is `profile: fast`; discovery and the API on PostgreSQL
and Valkey, the real transcription model served over HTTP, and the worker's task runner completing
each task. The language is detected: French goes to the multilingual checkpoint, English to tiny.en,
each transcript says which, the captions carry the French as said, and the runs are current for
re-index (what was detected makes no task stale)."""

from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.routing import TaskType
from framewise_dev.media import Segment, make_sample_video
from tests.tools import require_tool

pytestmark = pytest.mark.integration
SPOKEN = {  # file name: (espeak-ng voice, what is said)
    "bonjour": ("fr", "Bonjour. Je m'appelle Marie. J'habite à Paris."),
    "morning": ("en-us", "Good morning. The city council met on Thursday."),
}


async def test_an_unnamed_language_is_detected_transcribed_by_its_checkpoint_and_stays_current(
    transcribing_api: TestClient, transcribing_runner: TaskRunner, media_root: Path
) -> None:
    api, runner = transcribing_api, transcribing_runner
    require_tool("espeak-ng")
    for name, (voice, text) in SPOKEN.items():
        video = make_sample_video(
            media_root / f"{name}.mp4", segments=[Segment(6.0, (30, 60, 120), name)], speech=text, voice=voice
        )
        assert video.speech is not None
    fast = {"analyses": {"transcription": {"profile": "fast"}}}
    assert api.put("/api/v1/settings/library", json=fast).status_code == 200
    assert api.post("/api/v1/paths/discover").status_code == 200
    tasks = api.get("/api/v1/tasks", params={"task_type": "transcription", "limit": 100}).json()["items"]
    assert len(tasks) == len(SPOKEN)
    for task in tasks:
        command = RunTask(TaskId(UUID(task["id"])), task["attempt"] or 1, TaskType.TRANSCRIPTION)
        for _ in range(20):
            report = await runner.execute(command)
            if report.outcome is not RunOutcome.CONTINUE:
                break
        assert report.outcome is RunOutcome.COMPLETED, report

    heard = {}
    for video in api.get("/api/v1/videos").json()["items"]:
        name = Path(video["path"]).stem
        artifacts = api.get(
            f"/api/v1/videos/{video['id']}/artifacts", params={"artifact_type": "transcript_segment"}
        ).json()["items"]
        heard[name] = {(a["payload"]["language"], a["payload"]["checkpoint"]) for a in artifacts}
        assert all(a["payload"]["language_probability"] > 0 for a in artifacts), artifacts
        captions = api.get(f"/api/v1/videos/{video['id']}/captions.vtt").text
        assert ("J'habite à Paris" if name == "bonjour" else "city council") in captions, captions
    assert heard == {"bonjour": {("fr", "base")}, "morning": {("en", "tiny.en")}}

    # Both runs are what the settings run now: one identity for tiny.en and base together.
    report = api.post("/api/v1/reindex", json={"dry_run": True, "task_types": ["transcription"]}).json()
    assert {(item["verdict"], tuple(item["reasons"])) for item in report["items"]} == {("current", ())}, report
