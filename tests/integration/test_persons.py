"""Persons on the real parts: faces placed by the real grouping into PostgreSQL (pgvector's nearest
faces), read and changed through the real API. Descriptors are generated here (a look per person,
a little noise per face, at dlib's spread); tests/integration/test_people.py runs the real models
on real photographs.

- placement: each person's faces across videos in one person, a stranger a new one;
- the API: list (named first, name prefix), one person, appearances in library order, name, merge,
  "not this person", forget, re-group; problem documents for bad input, 404 for unknown ids, and
  nothing changed by a refused request;
- people's decisions survive a re-index (the run swap), a re-grouping and new videos;
- privacy: a video's deletion takes its faces, a person with none left goes, no descriptor in any answer.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.face_grouping import add_faces
from framewise.domain.faces import FaceTrack
from framewise.domain.ids import TaskId, VideoId
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_worker.main import build_worker
from framewise_worker.settings import WorkerSettings
from tests.api import api_client

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def look(seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0, 0.09) for _ in range(128)]


def track(face: list[float], seed: int, start_ms: int = 0, confidence: float = 0.99) -> FaceTrack:
    rng = random.Random(seed)
    descriptor = tuple(round(x + rng.gauss(0, 0.012), 5) for x in face)
    return FaceTrack(start_ms, start_ms + 2000, start_ms + 1000, (10.0, 20.0, 110.0, 150.0), confidence, descriptor, 2)


class Library:
    """Videos with a face-detection task and run each, their faces placed as a completed run does."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = session_factory(engine)

    async def video(self, path: str, tracks: list[FaceTrack]) -> tuple[VideoId, TaskId, str]:
        video, task, run = VideoId(uuid4()), TaskId(uuid4()), f"run-{uuid4().hex[:8]}"
        async with self.engine.begin() as connection:
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
                    "1, '{}', 'h', 'c', now())"
                ),
                {"id": task, "video": video},
            )
        await self.run(task, run, "current")
        await self.place(video, task, run, tracks)
        return video, task, run

    async def run(self, task: TaskId, run: str, state: str) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, "
                    "input_hash, device, weights, state, created_at) VALUES (:run, :task, 'mtcnn+dlib', '1', "
                    "'balanced', 'h', 'i', 'cpu', 'w', :state, now())"
                ),
                {"run": run, "task": task, "state": state},
            )

    async def place(self, video: VideoId, task: TaskId, run: str, tracks: list[FaceTrack]) -> None:
        async with SqlUnitOfWork(self.sessions) as uow:
            await add_faces(uow.persons, video, task, run, tracks, NOW)
            await uow.commit()

    async def reindex(self, video: VideoId, task: TaskId, tracks: list[FaceTrack]) -> str:
        """A new run of the task, built hidden, then swapped in as the runner's last window does."""
        run = f"run-{uuid4().hex[:8]}"
        await self.run(task, run, "next")
        async with SqlUnitOfWork(self.sessions) as uow:
            await add_faces(uow.persons, video, task, run, tracks, NOW)
            await uow.artifacts.finish_run(task, run, NOW)
            await uow.commit()
        return run

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as connection:
            return await connection.scalar(text(sql), params)


@pytest.fixture
def library(engine: AsyncEngine) -> Library:
    return Library(engine)


@pytest.fixture
def cpu_worker(database_url: str, valkey_url: str, tmp_path: Path) -> Callable[[], Awaitable[None]]:
    """A real CPU worker (the worker process's own arq Worker), run until the queue is empty."""
    settings = WorkerSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        valkey_url=valkey_url,
        gpu_mode="cpu",
        ml_service_url="http://127.0.0.1:9",  # a re-grouping asks nothing of the ML service
        media_roots=[str(tmp_path)],
    )

    async def drain() -> None:
        worker = build_worker(settings)
        worker.burst, worker.handle_signals = True, False
        try:
            await worker.async_run()
        finally:
            await worker.close()

    return drain


async def regroup(api: TestClient, redis: Redis, cpu_worker: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    """Ask for a re-grouping through the API, let a CPU worker run it, answer what it did."""
    asked = api.post("/api/v1/persons/regroup")
    assert asked.status_code == 202, asked.text
    assert asked.json()["state"] == "queued"
    assert api.post("/api/v1/persons/regroup").json()["state"] == "queued"  # no second job
    assert await redis.zcard("cpu_jobs") == 1
    await cpu_worker()
    status = api.get("/api/v1/persons/regroup").json()
    assert status["state"] == "idle" and status["placed"] == status["total"] == status["last"]["faces"], status
    assert status["requested_at"] <= status["started_at"] <= status["finished_at"]
    return dict(status["last"])


@pytest.fixture
def api(engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, tmp_path) as client:
        yield client


ADA, BOB, CY = look(1), look(2), look(3)


def persons(api: TestClient, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/api/v1/persons", params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def person_with(api: TestClient, video_path: str) -> dict[str, Any]:
    for person in persons(api, limit=500):
        paths = {a["video_path"] for a in api.get(f"/api/v1/persons/{person['id']}/appearances").json()["items"]}
        if video_path in paths:
            return person
    raise AssertionError(f"nobody in {video_path}")


async def test_each_persons_faces_across_videos_are_one_person_and_a_stranger_is_a_new_one(
    library: Library, api: TestClient
) -> None:
    await library.video("a/ada-1.mp4", [track(ADA, 1), track(ADA, 2, start_ms=5000)])
    await library.video("b/ada-and-bob.mp4", [track(ADA, 3), track(BOB, 4)])
    await library.video("c/bob.mp4", [track(BOB, 5)])
    found = persons(api)
    assert sorted((p["faces"], p["videos"]) for p in found) == [(2, 2), (3, 2)]
    await library.video("d/cy.mp4", [track(CY, 6)])
    assert len(persons(api)) == 3

    ada = person_with(api, "a/ada-1.mp4")
    appearances = api.get(f"/api/v1/persons/{ada['id']}/appearances").json()
    assert [(a["video_path"], a["start_ms"]) for a in appearances["items"]] == [
        ("a/ada-1.mp4", 0),
        ("a/ada-1.mp4", 5000),
        ("b/ada-and-bob.mp4", 0),
    ]
    first = appearances["items"][0]
    assert first["stream_url"].endswith("#t=0.000") and "sig=" in first["thumbnail_url"]
    answers = [api.get("/api/v1/persons").text, api.get(f"/api/v1/persons/{ada['id']}").text, str(appearances)]
    assert not any("descriptor" in answer for answer in answers)


async def test_names_merges_and_refusals_answer_and_survive_regrouping_reindex_and_new_videos(
    library: Library, api: TestClient, redis: Redis, cpu_worker: Callable[[], Awaitable[None]]
) -> None:
    _, ada_task, _ = await library.video("a/ada.mp4", [track(ADA, 1)])
    ada_video = await library.scalar("SELECT video_id FROM tasks WHERE id = :t", t=ada_task)
    await library.video("b/bob.mp4", [track(BOB, 2)])
    ada, bob = person_with(api, "a/ada.mp4"), person_with(api, "b/bob.mp4")

    named = api.put(f"/api/v1/persons/{ada['id']}", json={"name": "  Ada   Lovelace "})
    assert named.status_code == 200 and named.json()["name"] == "Ada Lovelace"
    assert [p["name"] for p in persons(api)] == ["Ada Lovelace", None]  # named first
    assert [p["id"] for p in persons(api, q="ada l")] == [ada["id"]]
    assert persons(api, q="zed") == []

    # A merge of Bob into Ada (people say they are one): Bob's faces move, Bob goes.
    merged = api.post(f"/api/v1/persons/{ada['id']}/merge", json={"person_ids": [bob["id"]]})
    assert merged.status_code == 200 and merged.json()["faces_moved"] == 1
    assert api.get(f"/api/v1/persons/{bob['id']}").status_code == 404
    assert api.get(f"/api/v1/persons/{ada['id']}").json()["videos"] == 2

    # ...then "not this person" for Bob's face: it leaves for a person of its own, for good.
    bob_face = next(
        a["face_id"]
        for a in api.get(f"/api/v1/persons/{ada['id']}/appearances").json()["items"]
        if a["video_path"] == "b/bob.mp4"
    )
    removed = api.post(f"/api/v1/persons/{ada['id']}/faces/{bob_face}/remove")
    assert removed.status_code == 200
    bob_again = removed.json()["new_person_id"]
    await library.video("c/bob-later.mp4", [track(BOB, 3)])  # a new video of Bob: never Ada
    assert person_with(api, "c/bob-later.mp4")["id"] == bob_again

    await regroup(api, redis, cpu_worker)
    assert person_with(api, "a/ada.mp4")["name"] == "Ada Lovelace"
    assert person_with(api, "b/bob.mp4")["id"] != ada["id"]
    assert person_with(api, "c/bob-later.mp4")["id"] != ada["id"]

    # Re-index Ada's video: a new run's faces replace the old ones, in the named person.
    before = await library.scalar("SELECT count(*) FROM faces WHERE video_id = :v", v=ada_video)
    new_run = await library.reindex(ada_video, ada_task, [track(ADA, 7)])
    assert await library.scalar("SELECT count(*) FROM faces WHERE video_id = :v", v=ada_video) == before
    assert await library.scalar("SELECT count(DISTINCT run_id) FROM faces WHERE video_id = :v", v=ada_video) == 1
    assert await library.scalar("SELECT run_id FROM faces WHERE video_id = :v", v=ada_video) == new_run
    assert person_with(api, "a/ada.mp4")["name"] == "Ada Lovelace"


async def test_bad_input_is_a_problem_and_changes_nothing(library: Library, api: TestClient) -> None:
    await library.video("a/ada.mp4", [track(ADA, 1)])
    ada = persons(api)[0]
    unknown = str(uuid4())
    for method, url, body in [
        ("get", f"/api/v1/persons/{unknown}", None),
        ("put", f"/api/v1/persons/{unknown}", {"name": "X"}),
        ("delete", f"/api/v1/persons/{unknown}", None),
        ("get", f"/api/v1/persons/{unknown}/appearances", None),
        ("post", f"/api/v1/persons/{ada['id']}/merge", {"person_ids": [unknown]}),
        ("post", f"/api/v1/persons/{unknown}/merge", {"person_ids": [ada["id"]]}),
        ("post", f"/api/v1/persons/{ada['id']}/faces/{unknown}/remove", None),
    ]:
        answer = api.request(method, url, json=body)
        assert answer.status_code == 404, (method, url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for body in [
        {"name": "x" * 201},
        {"name": "Ada\u0000"},
        {"nom": "Ada"},
        {},
    ]:
        assert api.put(f"/api/v1/persons/{ada['id']}", json=body).status_code == 422, body
    assert api.post(f"/api/v1/persons/{ada['id']}/merge", json={"person_ids": []}).status_code == 422
    assert api.post(f"/api/v1/persons/{ada['id']}/merge", json={"person_ids": [ada["id"]]}).status_code == 422
    assert api.get("/api/v1/persons/not-a-uuid").status_code == 422
    assert api.get("/api/v1/persons", params={"limit": 0}).status_code == 422
    after = persons(api)
    assert [(p["id"], p["name"], p["faces"]) for p in after] == [(ada["id"], None, 1)]


async def test_forgetting_a_person_keeps_its_faces_until_a_regrouping_places_them_again(
    library: Library, api: TestClient, redis: Redis, cpu_worker: Callable[[], Awaitable[None]]
) -> None:
    await library.video("a/ada.mp4", [track(ADA, 1), track(ADA, 2, start_ms=4000)])
    ada = persons(api)[0]
    assert api.delete(f"/api/v1/persons/{ada['id']}").status_code == 204
    assert persons(api) == [] and await library.scalar("SELECT count(*) FROM faces") == 2
    assert api.get("/api/v1/persons/regroup").json()["state"] == "idle"
    assert await regroup(api, redis, cpu_worker) == {"faces": 2, "persons": 1}
    assert [p["faces"] for p in persons(api)] == [2]


async def test_deleting_a_video_takes_its_faces_and_a_person_with_none_left_goes(
    library: Library, api: TestClient
) -> None:
    ada_video, _, _ = await library.video("a/ada.mp4", [track(ADA, 1)])
    await library.video("b/ada-and-bob.mp4", [track(ADA, 2), track(BOB, 3)])
    bob_video, _, _ = await library.video("c/bob.mp4", [track(BOB, 4)])
    assert api.delete(f"/api/v1/videos/{ada_video}").status_code == 204
    assert sorted(p["faces"] for p in persons(api)) == [1, 2]
    ada = next(p for p in persons(api) if p["faces"] == 1)  # Bob has two
    api.put(f"/api/v1/persons/{ada['id']}", json={"name": "Ada"})
    forgotten = await library.scalar("SELECT video_id FROM faces WHERE person_id = :p", p=UUID(ada["id"]))
    assert api.delete(f"/api/v1/videos/{forgotten}").status_code == 204
    assert api.get(f"/api/v1/persons/{ada['id']}").status_code == 404  # named, but no face left
    assert [p["videos"] for p in persons(api)] == [1]
    assert api.delete(f"/api/v1/videos/{bob_video}").status_code == 204
    assert persons(api) == [] and await library.scalar("SELECT count(*) FROM persons") == 0


async def test_placing_faces_concurrently_never_starts_two_persons_for_one_stranger(library: Library) -> None:
    await asyncio.gather(*(library.video(f"v{n}.mp4", [track(CY, n)]) for n in range(6)))
    assert await library.scalar("SELECT count(*) FROM persons") == 1


async def test_a_named_person_is_found_by_name_in_every_video_and_near_other_moments(
    library: Library, api: TestClient
) -> None:
    await library.video("a/ada.mp4", [track(ADA, 1)])
    await library.video("b/ada-and-bob.mp4", [track(ADA, 2, start_ms=3000), track(BOB, 3)])
    await library.video("c/bob.mp4", [track(BOB, 4)])
    ada, bob = person_with(api, "a/ada.mp4"), person_with(api, "c/bob.mp4")
    assert api.get("/api/v1/search", params={"q": "lovelace"}).json()["items"] == []  # not named yet

    api.put(f"/api/v1/persons/{ada['id']}", json={"name": "Ada Lovelace"})
    hits = api.get("/api/v1/search", params={"q": "ada lovelace", "sort": "time"}).json()["items"]
    assert [(h["video_path"], h["type"], h["text"], h["start_ms"]) for h in hits] == [
        ("a/ada.mp4", "person", "Ada Lovelace", 0),
        ("b/ada-and-bob.mp4", "person", "Ada Lovelace", 3000),
    ]
    assert len(api.get("/api/v1/search", params={"q": "Lovelace", "types": "person"}).json()["items"]) == 2
    assert {h["person_id"] for h in hits} == {ada["id"]}  # which person, and where the face is
    assert hits[0]["box"] == {"x1": 10.0, "y1": 20.0, "x2": 110.0, "y2": 150.0}
    assert api.get("/api/v1/search", params={"q": "Lovelace", "types": "object"}).json()["items"] == []

    # `person=<id>`: moments while Ada is on screen; Bob's video has none of them.
    with_ada = api.get("/api/v1/search", params={"person": ada["id"], "types": "person"}).json()["items"]
    assert {h["video_path"] for h in with_ada} == {"a/ada.mp4", "b/ada-and-bob.mp4"}
    api.put(f"/api/v1/persons/{bob['id']}", json={"name": "Bob"})
    near = api.get("/api/v1/search", params={"q": "bob", "near": "person:ada lovelace"}).json()["items"]
    assert [h["video_path"] for h in near] == ["b/ada-and-bob.mp4"]  # Bob where Ada is close by

    # Next and previous across the library, wrapping round.
    first = api.get("/api/v1/search/next", params={"q": "ada lovelace", "video_id": hits[0]["video_id"], "at_ms": 0})
    assert first.json()["hit"]["video_path"] == "b/ada-and-bob.mp4" and not first.json()["wrapped"]
    again = api.get("/api/v1/search/next", params={"q": "ada lovelace", "video_id": hits[1]["video_id"], "at_ms": 3000})
    assert again.json()["hit"]["video_path"] == "a/ada.mp4" and again.json()["wrapped"]

    labels = api.get("/api/v1/labels", params={"type": "person"}).json()["items"]
    assert {(label["label"], label["videos"]) for label in labels} == {("Ada Lovelace", 2), ("Bob", 2)}

    # A rename follows into search, a merge and a removal too; forgetting the person leaves no hit.
    api.put(f"/api/v1/persons/{ada['id']}", json={"name": "Countess of Lovelace"})
    assert api.get("/api/v1/search", params={"q": "ada lovelace", "types": "person"}).json()["items"] == []
    assert len(api.get("/api/v1/search", params={"q": "countess", "types": "person"}).json()["items"]) == 2
    api.post(f"/api/v1/persons/{ada['id']}/merge", json={"person_ids": [bob["id"]]})
    assert len(api.get("/api/v1/search", params={"q": "countess", "types": "person"}).json()["items"]) == 4
    assert api.delete(f"/api/v1/persons/{ada['id']}").status_code == 204
    assert api.get("/api/v1/search", params={"types": "person"}).json()["items"] == []
    assert api.get("/api/v1/search", params={"person": str(uuid4())}).json()["items"] == []
