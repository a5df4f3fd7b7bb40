"""Speakers from real speech, through the real parts: two generated conversations (espeak-ng's
three voices that differ, taking turns), discovery and the API on PostgreSQL and Valkey, the real
transcription model with speaker turns (Whisper base, resemblyzer's encoder) served over HTTP, and
the worker's task runner, whose last window groups the turns' voices into speakers.

Each voice ends as one speaker across both videos, no speaker holds two voices, a name given through
the API finds the speaker's turns by search, and the captions say who speaks.
"""

from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.routing import TaskType
from framewise_dev.media import Conversation, make_conversation_video
from tests.ml.test_voices import LATER, MEETING
from tests.tools import require_tool

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def talks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Conversation]:
    require_tool("espeak-ng")
    folder = tmp_path_factory.mktemp("talks")
    return {
        "council/meeting.mp4": make_conversation_video(folder / "meeting.mp4", MEETING),
        "library/opening.mp4": make_conversation_video(folder / "later.mp4", LATER, gap_s=0.3),
    }


async def index(api: TestClient, runner: TaskRunner, media_root: Path, talks: dict[str, Conversation]) -> None:
    for path, talk in talks.items():
        (media_root / path).parent.mkdir(parents=True, exist_ok=True)
        (media_root / path).write_bytes(talk.video.path.read_bytes())
        folder = path.split("/")[0]
        body = {"folder": folder, "analyses": {"transcription": {"language": "en"}}}
        assert api.put("/api/v1/settings/folders", json=body).status_code == 200
    assert api.post("/api/v1/paths/discover").status_code == 200
    for task in api.get("/api/v1/tasks", params={"task_type": "transcription"}).json()["items"]:
        command = RunTask(TaskId(UUID(task["id"])), task["attempt"] or 1, TaskType.TRANSCRIPTION)
        for _ in range(20):
            report = await runner.execute(command)
            if report.outcome is not RunOutcome.CONTINUE:
                break
        assert report.outcome is RunOutcome.COMPLETED, report


async def test_each_voice_is_one_speaker_across_videos_named_searched_and_captioned(
    transcribing_api: TestClient, transcribing_runner: TaskRunner, media_root: Path, talks: dict[str, Conversation]
) -> None:
    api = transcribing_api
    await index(api, transcribing_runner, media_root, talks)
    speakers = api.get("/api/v1/speakers", params={"limit": 50}).json()["items"]
    voices_of: dict[str, set[str]] = {}
    for speaker in speakers:
        turns = api.get(f"/api/v1/speakers/{speaker['id']}/appearances", params={"limit": 100}).json()["items"]
        for turn in turns:
            talk = talks[turn["video_path"]]
            spoken = max(talk.turns, key=lambda t: min(t.end_ms, turn["end_ms"]) - max(t.start_ms, turn["start_ms"]))
            voices_of.setdefault(speaker["id"], set()).add(spoken.speaker)
    assert sorted(sorted(v) for v in voices_of.values()) == [["adam"], ["beth"], ["dora"]], voices_of
    assert all(s["videos"] == 2 for s in speakers)

    adam = next(sid for sid, voices in voices_of.items() if voices == {"adam"})
    assert api.put(f"/api/v1/speakers/{adam}", json={"name": "Adam Smith"}).status_code == 200
    hits = api.get("/api/v1/search", params={"q": "adam smith", "types": "speaker", "limit": 50}).json()["items"]
    said_by_adam = [t for talk in talks.values() for t in talk.turns if t.speaker == "adam"]
    assert len(hits) >= len(said_by_adam) and {h["video_path"] for h in hits} == set(talks)

    video_id = hits[0]["video_id"]
    captions = api.get(f"/api/v1/videos/{video_id}/captions.vtt").text
    assert "<v Adam Smith>" in captions and "<v Speaker " in captions, captions
