"""People on real photographs, through the real parts: discovery and the API on PostgreSQL (pgvector)
and Valkey, the real faces model (MTCNN, then dlib's descriptors) served over HTTP, and the worker's
task runner completing each face-detection task, which groups its faces into persons.

Barack Obama from three different photographs, in three videos with different framing, size,
lighting and compression; Joe Biden; scikit-image's astronaut, who comes last as a stranger; and one
video of Biden beside the astronaut. Every person's faces end in one person, no person holds two
people, the stranger makes a new person, a named person is found by search in every video they appear
in, and the name survives a re-index of one of those videos.
"""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.photos import Framing, make_photo_video
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.settings import MlSettings
from tests.api import api_client
from tests.ml.test_face_descriptors import VIDEOS, picture, two_people
from tests.served import Served

pytestmark = pytest.mark.integration
ML_TOKEN = "ml-token-for-the-people-tests"

# Where each video lands in the library, and who is in it.
LIBRARY = {
    "2019/speech/obama-whole-small-dark.mp4": ("obama-whole-small-dark", {"obama"}),
    "2020/interview/obama2-close.mp4": ("obama2-close", {"obama"}),
    "archive/obama3-compressed.mp4": ("obama3-compressed", {"obama"}),
    "2021/biden.mp4": ("biden", {"biden"}),
    "space/astronaut.mp4": ("astronaut", {"astronaut"}),
    "space/biden-and-astronaut.mp4": ("biden-and-astronaut", {"biden", "astronaut"}),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("people")
    made = {
        name: make_photo_video(folder / f"{name}.mp4", picture(source), framing)
        for name, (_, source, framing) in VIDEOS.items()
    }
    made["biden-and-astronaut"] = make_photo_video(folder / "both.mp4", two_people(), Framing(size=(640, 372)))
    return made


@pytest.fixture
def ml(media_root: Path, valkey_url: str, model_cache: Path) -> Iterator[Served]:
    settings = MlSettings(media_roots=[str(media_root)], valkey_url=valkey_url, ml_token=ML_TOKEN)
    registry = ModelRegistry([FacesModel(ModelContext(model_cache))], device={"device": "cpu"})
    with Served(create_app(settings, registry)) as served:
        yield served


@pytest.fixture
def api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root) as client:
        yield client


@pytest.fixture
async def runner(engine: AsyncEngine, redis: Redis, media_root: Path, ml: Served) -> AsyncIterator[TaskRunner]:
    headers = {"Authorization": f"Bearer {ML_TOKEN}"}
    async with httpx.AsyncClient(base_url=ml.url, timeout=300, headers=headers) as client:
        sessions = session_factory(engine)
        yield TaskRunner(
            SqlUnitOfWork(sessions),
            HttpxMlClient(client, RetryPolicy()),
            KeptResults(redis),
            LocalMediaLibrary([str(media_root)]),
            SystemClock(),
            SqlHeartbeats(sessions),
            RetryPolicy(),
        )


async def index_faces(api: TestClient, runner: TaskRunner) -> None:
    """Discover what is new and run every face-detection task not done yet, to the end."""
    assert api.post("/api/v1/paths/discover").status_code == 200
    tasks = api.get("/api/v1/tasks", params={"task_type": "face_detection", "limit": 500}).json()["items"]
    for task in tasks:
        if task["status"] == "COMPLETED":
            continue
        command = RunTask(TaskId(UUID(task["id"])), task["attempt"] or 1, TaskType.FACE_DETECTION)
        for _ in range(20):
            report = await runner.execute(command)
            if report.outcome is not RunOutcome.CONTINUE:
                break
        assert report.outcome is RunOutcome.COMPLETED, report


def who(api: TestClient) -> dict[str, set[str]]:
    """Each person's id: the paths of the videos they appear in."""
    found: dict[str, set[str]] = {}
    for person in api.get("/api/v1/persons", params={"limit": 500}).json()["items"]:
        items = api.get(f"/api/v1/persons/{person['id']}/appearances", params={"limit": 500}).json()["items"]
        found[person["id"]] = {a["video_path"] for a in items}
    return found


def people_in(paths: set[str]) -> set[str]:
    return set().union(*(LIBRARY[p][1] for p in paths))


def put(media_root: Path, clips: dict[str, Path], *paths: str) -> None:
    for path in paths:
        target = media_root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clips[LIBRARY[path][0]], target)


async def test_real_people_across_videos_group_into_one_person_each_and_are_found_by_name(
    api: TestClient, runner: TaskRunner, media_root: Path, clips: dict[str, Path]
) -> None:
    known = [p for p in LIBRARY if "astronaut" not in LIBRARY[p][1]]
    put(media_root, clips, *known)
    await index_faces(api, runner)
    persons = who(api)
    assert len(persons) == 2, persons
    for paths in persons.values():  # one real person each: no person holds two people
        assert len(people_in(paths) & {"obama", "biden"}) == 1, persons
    obama = next(p for p, paths in persons.items() if "2020/interview/obama2-close.mp4" in paths)
    assert persons[obama] == {p for p in known if "obama" in LIBRARY[p][1]}  # every photograph, one person

    # A stranger: the astronaut alone makes a new person; with Biden, joins the two people it shows.
    put(media_root, clips, "space/astronaut.mp4", "space/biden-and-astronaut.mp4")
    await index_faces(api, runner)
    persons = who(api)
    assert len(persons) == 3, persons
    for person, paths in persons.items():
        shown = [LIBRARY[p][1] for p in paths]
        common = set.intersection(*shown)
        assert len(common) >= 1, (person, paths)  # every video of a person shows that one person
    by_person = {next(iter(set.intersection(*[LIBRARY[p][1] for p in paths]))): paths for paths in persons.values()}
    for real, paths in by_person.items():
        assert paths == {p for p in LIBRARY if real in LIBRARY[p][1]}, (real, paths)

    # Descriptors never leave the server: the faces' artifacts are answered without them.
    some_video = next(iter(api.get("/api/v1/videos").json()["items"]))["id"]
    artifacts = api.get(f"/api/v1/videos/{some_video}/artifacts", params={"artifact_type": "face"})
    assert artifacts.status_code == 200 and artifacts.json()["items"]
    assert all("descriptor" not in a["payload"] for a in artifacts.json()["items"])

    # Named, Obama is found by search in every video he appears in, and stays so through a re-index.
    assert api.put(f"/api/v1/persons/{obama}", json={"name": "Barack Obama"}).status_code == 200
    hits = api.get("/api/v1/search", params={"q": "obama", "types": "person"}).json()["items"]
    assert {h["video_path"] for h in hits} == by_person["obama"]
    video_id = next(h["video_id"] for h in hits if h["video_path"] == "archive/obama3-compressed.mp4")
    body: dict[str, Any] = {"task_types": ["face_detection"], "only_stale": False}
    assert api.post(f"/api/v1/videos/{video_id}/reindex", json=body).status_code == 200
    await index_faces(api, runner)
    after = api.get(f"/api/v1/persons/{obama}").json()
    assert (after["name"], after["videos"]) == ("Barack Obama", 3)
    hits = api.get("/api/v1/search", params={"q": "barack obama", "types": "person"}).json()["items"]
    assert {h["video_path"] for h in hits} == by_person["obama"]
    assert len(who(api)) == 3
