"""Speakers on the real parts: transcription runs completed by the real task runner on PostgreSQL
(their turns placed into speakers by pgvector's nearest voices), read and changed through the real
API. The voices are generated (tests/voices.py: a direction per speaker, a little noise per turn);
the ML service answers from a script, as the voice model is the ML service's own to test.

- placement: each voice's turns across videos in one speaker, a new voice a new speaker, numbered;
- transcript items, search hits and captions say who speaks; `speaker=` and a name in `q` find them;
- the API: list (named first, name prefix), one speaker with a suggestion from faces on screen,
  appearances, name, merge, accept; problem documents and 404s, nothing changed by a refusal;
- names and merges survive a re-index and new videos; a video's deletion takes its voices, and a
  speaker with none left goes; no voice in any answer."""

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.face_grouping import add_faces
from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.application.voice_grouping import add_voices
from framewise.contracts.ml import InferenceResponse, Timings
from framewise.domain.faces import FaceTrack
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.payloads import TranscriptSegmentV1
from framewise.domain.provenance import Provenance
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.voices import VoiceTurn
from framewise.domain.windows import WindowSizes
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.media import Segment, make_sample_video
from tests.api import api_client
from tests.fakes import FakeMlClient
from tests.voices import voice

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, tzinfo=UTC)
ADA, BOB, CY = 11, 22, 33  # generated voices
NOBODY = 0
Said = tuple[int, int, int, str]  # (voice, start_ms, end_ms, text)


def segment(who: int, start_ms: int, end_ms: int, said: str, hearing: int) -> TranscriptSegmentV1:
    """A turn of voice `who`; `NOBODY`: a turn too short to tell, without a voice."""
    heard = None if who == NOBODY else list(voice(who, hearing))
    return TranscriptSegmentV1(text=said, start_ms=start_ms, end_ms=end_ms, language="en", voice=heard)


@pytest.fixture
def api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root) as client:
        yield client


class Library:
    """Real videos in the media root, discovered through the API; each transcription run by the
    real task runner, the ML service's answer scripted."""

    def __init__(self, engine: AsyncEngine, redis: Redis, media_root: Path, api: TestClient) -> None:
        self.engine, self.redis, self.media_root, self.api = engine, redis, media_root, api
        self.sessions = session_factory(engine)
        self.hearing = 0

    def add(self, name: str, colour: tuple[int, int, int]) -> None:
        make_sample_video(self.media_root / name, segments=[Segment(8.0, colour)])

    def discover(self) -> None:
        assert self.api.post("/api/v1/paths/discover").status_code == 200

    def video_id(self, name: str) -> str:
        return str(next(v["id"] for v in self.api.get("/api/v1/videos").json()["items"] if v["path"] == name))

    async def transcribe(self, name: str, said: list[Said], run_id: str | None = None) -> str:
        """The video's transcription, run to completion with these turns (a new run each time)."""
        video_id = self.video_id(name)
        video = self.api.get(f"/api/v1/videos/{video_id}").json()
        tasks = self.api.get("/api/v1/tasks", params={"video_id": video_id, "task_type": "transcription"}).json()
        task = tasks["items"][0]
        run = run_id or f"run-{uuid4().hex[:8]}"
        items = []
        for who, start, end, words in said:
            self.hearing += 1
            items.append(segment(who, start, end, words, self.hearing))
        provenance = Provenance(
            producer="faster-whisper+resemblyzer",
            producer_version="1",
            model_profile="balanced",
            config_hash=task["config_hash"],
            input_hash=video["content_hash"],
            run_id=run,
            device="cpu",
            weights="w",
        )
        answer = InferenceResponse(
            task_type=TaskType.TRANSCRIPTION,
            items=items,
            provenance=provenance,
            timings=Timings(queue_wait_ms=0, decode_ms=0, inference_ms=1, total_ms=1),
        )
        runner = TaskRunner(
            SqlUnitOfWork(self.sessions),
            FakeMlClient(answer),
            KeptResults(self.redis),
            LocalMediaLibrary([str(self.media_root)]),
            SystemClock(),
            SqlHeartbeats(self.sessions),
            RetryPolicy(),
            windows=WindowSizes(600_000),
        )
        report = await runner.execute(RunTask(TaskId(UUID(task["id"])), task["attempt"], TaskType.TRANSCRIPTION))
        assert report.outcome is RunOutcome.COMPLETED, report
        return run

    async def face_run(self, task: TaskId, video: VideoId, path: str | None = None) -> str:
        """A completed face-detection task of the video, with its run; faces are placed by hand.
        With `path`, the video's row too (a video that exists as rows alone)."""
        run = f"run-{uuid4().hex[:8]}"
        async with self.engine.begin() as connection:
            if path is not None:
                await connection.execute(
                    text(
                        "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, discovered_at) "
                        "VALUES (:id, '/media', :path, 1, 1.7e9, :hash, 'ready', now())"
                    ),
                    {"id": video, "path": path, "hash": f"fw1:{video.hex}"},
                )
            await connection.execute(
                text(
                    "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, "
                    "correlation_id, created_at) VALUES (:id, :video, 'face_detection', 'COMPLETED', 'gpu_jobs', "
                    "1, '{}', 'h2', 'c', now())"
                ),
                {"id": task, "video": video},
            )
            await connection.execute(
                text(
                    "INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, "
                    "input_hash, device, weights, state, created_at) VALUES (:run, :id, 'mtcnn+dlib', '1', "
                    "'balanced', 'h2', 'i', 'cpu', 'w', 'current', now())"
                ),
                {"run": run, "id": task},
            )
        return run

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as connection:
            return await connection.scalar(text(sql), params)


@pytest.fixture
def library(engine: AsyncEngine, redis: Redis, media_root: Path, api: TestClient) -> Library:
    return Library(engine, redis, media_root, api)


def speakers(api: TestClient, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/api/v1/speakers", params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def speaker_in(api: TestClient, video_path: str, at_ms: int) -> dict[str, Any]:
    for found in speakers(api, limit=500):
        turns = api.get(f"/api/v1/speakers/{found['id']}/appearances").json()["items"]
        if any(t["video_path"] == video_path and t["start_ms"] == at_ms for t in turns):
            return found
    raise AssertionError(f"nobody speaks at {at_ms} in {video_path}")


INTERVIEW: list[Said] = [
    (ADA, 0, 1400, "Welcome to the show."),
    (BOB, 1500, 2900, "Thank you for having me."),
    (ADA, 3000, 4400, "Tell us about the engine."),
    (BOB, 4500, 5900, "It computes Bernoulli numbers."),
]
LECTURE: list[Said] = [
    (BOB, 0, 2000, "The analytical engine weaves patterns."),
    (CY, 2500, 4000, "A question."),
    (NOBODY, 4200, 4500, "Yes."),
]


async def test_each_voice_is_one_speaker_across_videos_and_transcripts_hits_and_captions_say_who(
    library: Library, api: TestClient
) -> None:
    library.add("interview.mp4", (200, 40, 40))
    library.add("lecture.mp4", (40, 40, 200))
    library.discover()
    await library.transcribe("interview.mp4", INTERVIEW)
    assert [(s["number"], s["segments"], s["videos"]) for s in speakers(api)] == [(1, 2, 1), (2, 2, 1)]
    await library.transcribe("lecture.mp4", LECTURE)
    found = speakers(api)
    assert sorted((s["number"], s["segments"], s["videos"]) for s in found) == [(1, 2, 1), (2, 3, 2), (3, 1, 1)]
    ada, bob = speaker_in(api, "interview.mp4", 0), speaker_in(api, "lecture.mp4", 0)
    assert speaker_in(api, "interview.mp4", 1500)["id"] == bob["id"]  # Bob in both videos
    turns = api.get(f"/api/v1/speakers/{bob['id']}/appearances").json()["items"]
    assert [(t["video_path"], t["start_ms"], t["end_ms"], t["text"]) for t in turns] == [
        ("interview.mp4", 1500, 2900, "Thank you for having me."),
        ("interview.mp4", 4500, 5900, "It computes Bernoulli numbers."),
        ("lecture.mp4", 0, 2000, "The analytical engine weaves patterns."),
    ]
    assert turns[0]["stream_url"].endswith("#t=1.500")
    lecture = library.video_id("lecture.mp4")
    said = api.get("/api/v1/artifacts", params={"video_id": lecture, "artifact_type": "transcript_segment"}).json()
    assert [(i["payload"]["text"], i["speaker"] is None) for i in said["items"]] == [
        ("The analytical engine weaves patterns.", False),
        ("A question.", False),
        ("Yes.", True),  # no voice: no speaker, and no caption voice
    ]
    assert "\nYes." in api.get(f"/api/v1/videos/{lecture}/captions.vtt").text

    # Transcript items and hits carry the speaker; captions mark the voices.
    interview = library.video_id("interview.mp4")
    items = api.get("/api/v1/artifacts", params={"video_id": interview, "artifact_type": "transcript_segment"})
    assert [(i["payload"]["start_ms"], i["speaker"]["number"]) for i in items.json()["items"]] == [
        (0, ada["number"]),
        (1500, bob["number"]),
        (3000, ada["number"]),
        (4500, bob["number"]),
    ]
    hits = api.get("/api/v1/search", params={"q": "engine", "sort": "time"}).json()["items"]
    assert [(h["video_path"], h["speaker"]["id"]) for h in hits] == [
        ("interview.mp4", ada["id"]),
        ("lecture.mp4", bob["id"]),
    ]
    by_bob = api.get("/api/v1/search", params={"speaker": bob["id"], "types": "transcript", "sort": "time"})
    assert [h["start_ms"] for h in by_bob.json()["items"]] == [1500, 4500, 0]
    assert api.get("/api/v1/search", params={"speaker": str(uuid4())}).json()["items"] == []

    api.put(f"/api/v1/speakers/{ada['id']}", json={"name": "Ada Lovelace"})
    vtt = api.get(f"/api/v1/videos/{interview}/captions.vtt").text
    assert "<v Ada Lovelace>Welcome to the show." in vtt
    assert f"<v Speaker {bob['number']}>Thank you for having me." in vtt
    srt = api.get(f"/api/v1/videos/{interview}/captions.srt").text
    assert "Ada Lovelace: Tell us about the engine." in srt and f"Speaker {bob['number']}: It computes" in srt

    answers = [api.get("/api/v1/speakers").text, items.text, str(hits), api.get(f"/api/v1/speakers/{ada['id']}").text]
    assert not any("voice" in answer.replace("voice_", "") for answer in answers)


async def test_a_named_speaker_is_found_by_name_and_names_and_merges_survive_reindex_and_new_videos(
    library: Library, api: TestClient
) -> None:
    library.add("interview.mp4", (200, 40, 40))
    library.add("lecture.mp4", (40, 40, 200))
    library.discover()
    await library.transcribe("interview.mp4", INTERVIEW)
    ada, bob = speaker_in(api, "interview.mp4", 0), speaker_in(api, "interview.mp4", 1500)
    assert api.get("/api/v1/search", params={"q": "lovelace"}).json()["items"] == []  # not named yet

    named = api.put(f"/api/v1/speakers/{ada['id']}", json={"name": "  Ada   Lovelace "})
    assert named.status_code == 200 and named.json()["name"] == "Ada Lovelace"
    assert [s["name"] for s in speakers(api)] == ["Ada Lovelace", None]  # named first
    assert [s["id"] for s in speakers(api, q="ada l")] == [ada["id"]] and speakers(api, q="zed") == []
    hits = api.get("/api/v1/search", params={"q": "ada lovelace", "types": "speaker", "sort": "time"}).json()
    assert [(h["type"], h["text"], h["start_ms"], h["speaker"]["id"]) for h in hits["items"]] == [
        ("speaker", "Ada Lovelace", 0, ada["id"]),
        ("speaker", "Ada Lovelace", 3000, ada["id"]),
    ]
    labels = api.get("/api/v1/labels", params={"type": "speaker"}).json()["items"]
    assert [(label["label"], label["videos"]) for label in labels] == [("Ada Lovelace", 1)]

    # Re-index the interview: a new run's turns replace the old ones, in the named speaker; the
    # speaker moments follow, the old run's go.
    interview = library.video_id("interview.mp4")
    asked = api.post(f"/api/v1/videos/{interview}/reindex", json={"task_types": ["transcription"], "only_stale": False})
    assert asked.status_code == 200, asked.text
    new_run = await library.transcribe("interview.mp4", INTERVIEW)
    assert await library.scalar("SELECT count(DISTINCT run_id) FROM voices") == 1
    assert await library.scalar("SELECT run_id FROM voices LIMIT 1") == new_run
    assert speaker_in(api, "interview.mp4", 0)["name"] == "Ada Lovelace"
    again = api.get("/api/v1/search", params={"q": "lovelace", "types": "speaker"}).json()["items"]
    assert len(again) == 2 and {h["run_id"] for h in again} == {new_run}

    # Bob said to be Ada (a merge): his turns move, he goes; Bob's voice in a new video joins Ada.
    merged = api.post(f"/api/v1/speakers/{ada['id']}/merge", json={"speaker_ids": [bob["id"]]})
    assert merged.status_code == 200 and merged.json()["segments_moved"] == 2
    assert api.get(f"/api/v1/speakers/{bob['id']}").status_code == 404
    assert len(api.get("/api/v1/search", params={"q": "lovelace", "types": "speaker"}).json()["items"]) == 4
    await library.transcribe("lecture.mp4", LECTURE)
    assert speaker_in(api, "lecture.mp4", 0)["id"] == ada["id"]
    assert speaker_in(api, "lecture.mp4", 2500)["id"] != ada["id"]  # Cy is someone else
    renamed = api.put(f"/api/v1/speakers/{ada['id']}", json={"name": "Countess"})
    assert renamed.json()["videos"] == 2 and renamed.json()["segments"] == 5
    assert api.get("/api/v1/search", params={"q": "lovelace", "types": "speaker"}).json()["items"] == []
    assert len(api.get("/api/v1/search", params={"q": "countess", "types": "speaker"}).json()["items"]) == 5
    api.put(f"/api/v1/speakers/{ada['id']}", json={"name": None})
    assert api.get("/api/v1/search", params={"types": "speaker"}).json()["items"] == []


async def test_bad_input_is_a_problem_and_changes_nothing(library: Library, api: TestClient) -> None:
    library.add("interview.mp4", (200, 40, 40))
    library.discover()
    await library.transcribe("interview.mp4", INTERVIEW[:1])
    ada = speakers(api)[0]
    unknown = str(uuid4())
    for method, url, body in [
        ("get", f"/api/v1/speakers/{unknown}", None),
        ("put", f"/api/v1/speakers/{unknown}", {"name": "X"}),
        ("get", f"/api/v1/speakers/{unknown}/appearances", None),
        ("post", f"/api/v1/speakers/{ada['id']}/merge", {"speaker_ids": [unknown]}),
        ("post", f"/api/v1/speakers/{unknown}/merge", {"speaker_ids": [ada["id"]]}),
        ("post", f"/api/v1/speakers/{unknown}/accept", {"person_id": unknown}),
        ("post", f"/api/v1/speakers/{ada['id']}/accept", {"person_id": unknown}),
    ]:
        answer = api.request(method, url, json=body)
        assert answer.status_code == 404, (method, url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for body in [{"name": "x" * 201}, {"name": "Ada\u0000"}, {"nom": "Ada"}, {}]:
        answer = api.put(f"/api/v1/speakers/{ada['id']}", json=body)
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    for merge in [{"speaker_ids": []}, {"speaker_ids": [ada["id"]]}, {"speaker_ids": ["nope"]}]:
        assert api.post(f"/api/v1/speakers/{ada['id']}/merge", json=merge).status_code == 422, merge
    assert api.post(f"/api/v1/speakers/{ada['id']}/accept", json={}).status_code == 422
    assert api.get("/api/v1/speakers/not-a-uuid").status_code == 422
    assert api.get("/api/v1/speakers", params={"limit": 0}).status_code == 422
    assert api.get("/api/v1/search", params={"speaker": "nope"}).status_code == 422
    after = speakers(api)
    assert [(s["id"], s["name"], s["segments"], s["person_id"]) for s in after] == [(ada["id"], None, 1, None)]


def faces_at(person: int, spans: list[tuple[int, int]]) -> list[FaceTrack]:
    rng = random.Random(person)
    look = tuple(rng.gauss(0, 0.09) for _ in range(128))  # a face descriptor at dlib's spread
    return [FaceTrack(s, e, s, (10.0, 20.0, 110.0, 150.0), 0.99, look, 2) for s, e in spans]


async def test_a_face_on_screen_while_a_voice_speaks_again_and_again_is_suggested_and_accepted(
    library: Library, api: TestClient
) -> None:
    library.add("interview.mp4", (200, 40, 40))
    library.discover()
    await library.transcribe("interview.mp4", [*INTERVIEW, (ADA, 6000, 7000, "Goodbye.")])
    ada, bob = speaker_in(api, "interview.mp4", 0), speaker_in(api, "interview.mp4", 1500)
    video, task = VideoId(UUID(library.video_id("interview.mp4"))), TaskId(uuid4())
    face_run = await library.face_run(task, video)
    # Ada's face while she speaks (0, 3000, 6000), a second face (the host's guest list) at 3000
    # only; nobody on screen while Bob speaks but once.
    async with SqlUnitOfWork(library.sessions) as uow:
        await add_faces(uow.persons, video, task, face_run, faces_at(1, [(0, 1000), (3000, 4000), (6000, 6500)]), NOW)
        await add_faces(uow.persons, video, task, face_run, faces_at(2, [(3200, 3600), (1600, 2000)]), NOW)
        await uow.commit()
    persons = api.get("/api/v1/persons").json()["items"]
    face_of_ada = next(p for p in persons if p["faces"] == 3)

    shown = api.get(f"/api/v1/speakers/{ada['id']}").json()
    assert shown["suggestion"] == {"person_id": face_of_ada["id"], "person_name": None, "turns": 3}
    assert api.get(f"/api/v1/speakers/{bob['id']}").json()["suggestion"] is None  # one turn only
    api.put(f"/api/v1/persons/{face_of_ada['id']}", json={"name": "Ada Lovelace"})
    assert api.get(f"/api/v1/speakers/{ada['id']}").json()["suggestion"]["person_name"] == "Ada Lovelace"

    accepted = api.post(f"/api/v1/speakers/{ada['id']}/accept", json={"person_id": face_of_ada["id"]})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["person_id"], accepted.json()["name"]) == (face_of_ada["id"], "Ada Lovelace")
    assert len(api.get("/api/v1/search", params={"q": "lovelace", "types": "speaker"}).json()["items"]) == 3


async def test_no_suggestion_when_no_one_face_covers_half_of_the_turns_that_show_a_face(
    library: Library, api: TestClient
) -> None:
    library.add("panel.mp4", (40, 200, 40))
    library.discover()
    await library.transcribe("panel.mp4", [(CY, n * 1000, n * 1000 + 800, f"Point {n}.") for n in range(7)])
    cy = speaker_in(api, "panel.mp4", 0)
    video, task = VideoId(UUID(library.video_id("panel.mp4"))), TaskId(uuid4())
    run = await library.face_run(task, video)
    async with SqlUnitOfWork(library.sessions) as uow:  # three panelists in shot, 3 + 3 + 1 of 7 turns
        for person, turns in [(1, [0, 1, 2]), (2, [3, 4, 5]), (3, [6])]:
            await add_faces(
                uow.persons, video, task, run, faces_at(person, [(n * 1000, n * 1000 + 500) for n in turns]), NOW
            )
        await uow.commit()
    assert api.get(f"/api/v1/speakers/{cy['id']}").json()["suggestion"] is None  # 3 is under half of 7
    async with SqlUnitOfWork(library.sessions) as uow:  # the first panelist in one more turn: 4 of 7
        await add_faces(uow.persons, video, task, run, faces_at(1, [(6000, 6500)]), NOW)
        await uow.commit()
    suggestion = api.get(f"/api/v1/speakers/{cy['id']}").json()["suggestion"]
    assert suggestion is not None and suggestion["turns"] == 4


async def test_deleting_a_video_takes_its_voices_and_a_speaker_with_none_left_goes(
    library: Library, api: TestClient
) -> None:
    library.add("interview.mp4", (200, 40, 40))
    library.add("lecture.mp4", (40, 40, 200))
    library.discover()
    await library.transcribe("interview.mp4", INTERVIEW)
    await library.transcribe("lecture.mp4", LECTURE)
    ada = speaker_in(api, "interview.mp4", 0)
    api.put(f"/api/v1/speakers/{ada['id']}", json={"name": "Ada"})
    assert api.delete(f"/api/v1/videos/{library.video_id('interview.mp4')}").status_code == 204
    assert api.get(f"/api/v1/speakers/{ada['id']}").status_code == 404  # named, but no turn left
    assert sorted((s["segments"], s["videos"]) for s in speakers(api)) == [(1, 1), (1, 1)]
    assert await library.scalar("SELECT count(*) FROM voices") == 2
    assert api.delete(f"/api/v1/videos/{library.video_id('lecture.mp4')}").status_code == 204
    assert speakers(api) == [] and await library.scalar("SELECT count(*) FROM speakers") == 0


async def test_placing_turns_concurrently_never_starts_two_speakers_for_one_voice(library: Library) -> None:
    library.add("interview.mp4", (200, 40, 40))
    library.discover()
    video = VideoId(UUID(library.video_id("interview.mp4")))
    task = await library.scalar("SELECT id FROM tasks WHERE video_id = :v AND task_type = 'transcription'", v=video)
    run = await library.transcribe("interview.mp4", [])

    async def place(n: int) -> None:
        async with SqlUnitOfWork(library.sessions) as uow:
            await add_voices(uow.speakers, video, task, run, [VoiceTurn(n * 1000, n * 1000 + 900, voice(CY, n))], NOW)
            await uow.commit()

    await asyncio.gather(*(place(n) for n in range(6)))
    assert await library.scalar("SELECT count(*) FROM speakers") == 1


async def _grouped(database_url: str, videos: list[list[tuple[int, int]]]) -> tuple[dict[int, set[UUID]], int]:
    """The conversations placed on PostgreSQL as completed runs place them, from an empty library:
    each generated voice's speakers, and how many speakers there are."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("TRUNCATE videos, tasks, persons CASCADE"))
        library = Library(engine, None, Path("/nonexistent"), None)  # type: ignore[arg-type]
        truth: dict[tuple[VideoId, int], int] = {}
        for turns in videos:
            video, task = VideoId(uuid4()), TaskId(uuid4())
            run = await library.face_run(task, video, path=f"{video}.mp4")
            placed = []
            for i, (who, hearing) in enumerate(turns):
                placed.append(VoiceTurn(i * 1000, i * 1000 + 900, voice(who, hearing)))
                truth[(video, i * 1000)] = who
            async with SqlUnitOfWork(library.sessions) as uow:
                await add_voices(uow.speakers, video, task, run, placed, NOW)
                await uow.commit()
        async with engine.connect() as connection:
            rows = list(await connection.execute(text("SELECT video_id, start_ms, speaker_id FROM voices")))
            count = int(await connection.scalar(text("SELECT count(*) FROM speakers")) or 0)
    finally:
        await engine.dispose()
    by_voice: dict[int, set[UUID]] = {}
    for video_id, start_ms, speaker_id in rows:
        by_voice.setdefault(truth[(VideoId(video_id), start_ms)], set()).add(speaker_id)
    return by_voice, count


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(  # videos, each a conversation: (voice, hearing) per turn
        st.lists(st.tuples(st.integers(100, 105), st.integers(1, 10_000)), min_size=1, max_size=5),
        min_size=1,
        max_size=3,
    )
)
def test_on_postgresql_two_voices_never_share_a_speaker_and_each_voices_turns_stay_together(
    database_url: str, videos: list[list[tuple[int, int]]]
) -> None:
    by_voice, count = asyncio.run(_grouped(database_url, videos))
    assert all(len(speakers) == 1 for speakers in by_voice.values())  # each voice's turns together
    assert count == len(by_voice)  # and no two voices in one speaker (nor a speaker without a turn)
