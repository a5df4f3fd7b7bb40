"""Analysis settings and re-index on the real parts: PostgreSQL, Valkey, the API, and real ML
services (the models that read the configs, the scene and face models that run them).

- settings layer by layer: library, root, folder, sub-folder, video, request; a key a model refuses
  is a 422 naming it and changes nothing;
- stale detection: a task whose settings or weights changed since its finished run, and only it;
- re-index: the finished run stays what readers see (artifacts and moments) at every window of the
  new run, never a mix and never nothing, until the last window swaps them in one transaction.
"""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import torch
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome, RunReport
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.provenance import config_hash
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.windows import WindowSizes
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.media import SampleVideo, Segment, make_sample_video
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.settings import MlSettings
from tests.api import api_client
from tests.served import Served

pytestmark = pytest.mark.integration
ML_TOKEN = "ml-token-for-the-settings-tests"


def serve_ml(media_root: Path, valkey_url: str, cache: Path) -> Served:
    settings = MlSettings(media_roots=[str(media_root)], valkey_url=valkey_url, ml_token=ML_TOKEN)
    ctx = ModelContext(cache)
    registry = ModelRegistry([ScenesModel(), FacesModel(ctx), TranscribeModel(ctx)], device={"device": "cpu"})
    return Served(create_app(settings, registry))


@pytest.fixture
def ml(media_root: Path, valkey_url: str, model_cache: Path) -> Iterator[Served]:
    with serve_ml(media_root, valkey_url, model_cache) as served:
        yield served


@pytest.fixture
def api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, ml: Served
) -> Iterator[TestClient]:
    """The API on emptied stores (`engine` and `redis` empty them), checking settings with `ml`."""
    with api_client(database_url, valkey_url, media_root, ml_service_url=ml.url, ml_token=ML_TOKEN) as client:
        yield client


def put_video(media_root: Path, video: SampleVideo, relative: str) -> None:
    target = media_root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(video.path, target)


@pytest.fixture(scope="module")
def other_videos(tmp_path_factory: pytest.TempPathFactory) -> list[SampleVideo]:
    """Two more short videos of their own content (identical files would be one video)."""
    folder = tmp_path_factory.mktemp("others")
    return [
        make_sample_video(folder / f"{n}.mp4", segments=[Segment(1.0, colour, f"OTHER {n}")])
        for n, colour in enumerate([(20, 90, 160), (160, 60, 20)])
    ]


def task_of(api: TestClient, video_id: str, task_type: str) -> dict[str, object]:
    tasks = api.get(f"/api/v1/videos/{video_id}/tasks").json()["items"]
    return next(t for t in tasks if t["task_type"] == task_type)


def test_settings_apply_layer_by_layer_and_a_refused_key_changes_nothing(
    api: TestClient, media_root: Path, sample_video: SampleVideo, other_videos: list[SampleVideo]
) -> None:
    put_video(media_root, sample_video, "lectures/advanced/talk.mp4")
    put_video(media_root, other_videos[0], "home/party.mp4")
    assert api.post("/api/v1/paths/discover").status_code == 200
    videos = {v["path"]: v["id"] for v in api.get("/api/v1/videos").json()["items"]}
    talk, party = videos["lectures/advanced/talk.mp4"], videos["home/party.mp4"]

    def put(url: str, body: dict[str, object]) -> httpx.Response:
        return api.put(url, json=body)

    assert put("/api/v1/settings/library", {"analyses": {"transcription": {"language": "de"}}}).status_code == 200
    library_scenes = {"scene_detection": {"threshold": 30}}
    assert put("/api/v1/settings/library", {"analyses": {"transcription": {"language": "de"}, **library_scenes}})
    root = {"folder": str(media_root), "analyses": {"transcription": {"profile": "accurate"}}}
    assert put("/api/v1/settings/folders", root).status_code == 200
    folder = {"folder": "lectures", "analyses": {"transcription": {"language": "fr", "profile": "balanced"}}}
    assert put("/api/v1/settings/folders", folder).status_code == 200
    deeper = {"folder": "lectures/advanced", "analyses": {"transcription": {"profile": None}}}
    assert put("/api/v1/settings/folders", deeper).status_code == 200
    own = {"analyses": {"transcription": {"word_timestamps": False}}}
    assert put(f"/api/v1/videos/{talk}/settings", own).status_code == 200

    talk_settings = api.get(f"/api/v1/videos/{talk}/settings").json()
    transcription = talk_settings["analyses"]["transcription"]
    # fr from lectures/, the profile back to the model's default (lectures/advanced/ set it to null,
    # over the root's "accurate" and lectures/' "balanced"), word timestamps from the video itself.
    assert transcription["config"] == {"language": "fr", "word_timestamps": False}
    assert transcription["sources"] == {"language": f"folder:{media_root}:lectures", "word_timestamps": f"video:{talk}"}
    assert transcription["changed"] is True  # its task was created before: a re-index would run it with these
    assert talk_settings["analyses"]["scene_detection"]["config"] == {"threshold": 30}
    assert [layer["key"] for layer in talk_settings["layers"]] == [
        "library",
        f"folder:{media_root}:",
        f"folder:{media_root}:lectures",
        f"folder:{media_root}:lectures/advanced",
        f"video:{talk}",
    ]
    party_settings = api.get(f"/api/v1/videos/{party}/settings").json()["analyses"]["transcription"]
    assert party_settings["config"] == {"language": "de", "profile": "accurate"}

    # A request's own settings are the strongest layer; a dry run changes nothing.
    dry = api.post(
        f"/api/v1/videos/{talk}/reindex",
        json={"task_types": ["transcription"], "settings": {"transcription": {"language": "auto"}}, "dry_run": True},
    ).json()
    assert [item["config"] for item in dry["items"]] == [{"language": "auto", "word_timestamps": False}]

    # Refused keys and values: a 422 naming the key, and nothing stored.
    before = api.get("/api/v1/settings").json()
    for body, named in [
        ({"analyses": {"transcription": {"langauge": "fr"}}}, "langauge"),
        ({"analyses": {"transcription": {"language": "klingon"}}}, "language"),
        ({"analyses": {"scene_detection": {"threshold": -1}}}, "threshold"),
        ({"analyses": {"subtitles": {"language": "fr"}}}, "subtitles"),
        ({"analyses": {"transcription": ["fr"]}}, "transcription"),
    ]:
        refused = put("/api/v1/settings/library", body)
        assert refused.status_code == 422, body
        problem = refused.json()  # the key is named in the detail, or (a malformed body) in `errors`
        assert named in problem["detail"] or any(named in error["loc"] for error in problem.get("errors", []))
    assert put("/api/v1/settings/folders", {"folder": "nowhere", "analyses": {}}).status_code == 404
    assert put("/api/v1/settings/folders", {"folder": "/etc", "analyses": {}}).status_code == 403
    assert api.get("/api/v1/settings").json() == before

    # A video discovered from now on starts with the settings of where it lands.
    put_video(media_root, other_videos[1], "lectures/intro.mp4")
    assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    intro = next(v["id"] for v in api.get("/api/v1/videos").json()["items"] if v["path"] == "lectures/intro.mp4")
    assert task_of(api, intro, "transcription")["config"] == {"language": "fr", "profile": "balanced"}

    assert api.delete(f"/api/v1/videos/{talk}/settings").status_code == 204
    assert api.delete(f"/api/v1/videos/{talk}/settings").status_code == 404
    assert api.delete("/api/v1/settings/folders", params={"folder": "lectures/advanced"}).status_code == 204
    talk_after = api.get(f"/api/v1/videos/{talk}/settings").json()["analyses"]["transcription"]["config"]
    assert talk_after == {"language": "fr", "profile": "balanced"}


def _runner(engine: AsyncEngine, redis: Redis, media_root: Path, client: httpx.AsyncClient) -> TaskRunner:
    sessions = session_factory(engine)
    return TaskRunner(
        SqlUnitOfWork(sessions),
        HttpxMlClient(client, RetryPolicy()),
        KeptResults(redis),
        LocalMediaLibrary([str(media_root)]),
        SystemClock(),
        SqlHeartbeats(sessions),
        RetryPolicy(),
        windows=WindowSizes(2000),
    )


@pytest.fixture
async def ml_client(ml: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ml.url, timeout=120, headers={"Authorization": f"Bearer {ML_TOKEN}"}) as c:
        yield c


async def run_to_the_end(runner: TaskRunner, command: RunTask, each_window: object = None) -> RunReport:
    for _ in range(50):
        report = await runner.execute(command)
        if report.outcome is not RunOutcome.CONTINUE:
            return report
        if callable(each_window):
            await each_window()
    raise AssertionError("the task never finished")


async def test_reindex_reruns_what_changed_and_readers_see_the_old_run_until_the_new_one_replaces_it(
    api: TestClient,
    ml_client: httpx.AsyncClient,
    engine: AsyncEngine,
    redis: Redis,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    put_video(media_root, sample_video, "clip.mp4")
    api.post("/api/v1/paths/discover")
    video_id = api.get("/api/v1/videos").json()["items"][0]["id"]
    scenes = task_of(api, video_id, "scene_detection")
    runner = _runner(engine, redis, media_root, ml_client)
    task_id = TaskId(UUID(str(scenes["id"])))
    first = await run_to_the_end(runner, RunTask(task_id, 1, TaskType.SCENE_DETECTION))
    assert first.outcome is RunOutcome.COMPLETED

    def judged() -> dict[str, dict[str, object]]:
        report = api.post("/api/v1/reindex", json={"dry_run": True}).json()
        return {item["task_type"]: item for item in report["items"]}

    now = judged()
    assert now["scene_detection"]["verdict"] == "current" and now["scene_detection"]["reasons"] == []
    assert {now[t]["verdict"] for t in now if t != "scene_detection"} == {"busy"}  # PENDING: left alone

    assert api.put("/api/v1/settings/library", json={"analyses": {"scene_detection": {"threshold": 15}}}).is_success
    stale = judged()["scene_detection"]
    assert (stale["verdict"], stale["reasons"]) == ("queued", ["other settings"])
    assert task_of(api, video_id, "scene_detection")["status"] == "COMPLETED"  # a dry run changes nothing

    def shown() -> tuple[set[str], int, int]:
        listed = api.get(f"/api/v1/videos/{video_id}/artifacts", params={"artifact_type": "scene"}).json()["items"]
        chapters = api.get(f"/api/v1/videos/{video_id}/chapters.vtt").text.count(" --> ")
        return {a["provenance"]["run_id"] for a in listed}, len(listed), chapters

    async def moments() -> set[str]:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT DISTINCT run_id FROM moments WHERE task_id = :t"), {"t": task_id}
            )
            return {r for (r,) in rows}

    old_runs, old_count, old_chapters = shown()
    assert len(old_runs) == 1 and old_count > 0 and old_chapters == old_count
    assert await moments() == old_runs

    done = api.post("/api/v1/reindex", json={"task_types": ["scene_detection"]}).json()
    assert (done["queued"], done["counts"]["queued"]) == (1, 1)
    requeued = task_of(api, video_id, "scene_detection")
    assert (requeued["status"], requeued["attempt"], requeued["progress"]) == ("PENDING", 2, 0.0)
    assert requeued["config"] == {"threshold": 15}

    seen: list[tuple[set[str], int]] = []

    async def check_readers() -> None:
        runs, count, chapters = shown()
        seen.append((runs, count))
        assert (runs, count, chapters) == (old_runs, old_count, old_chapters), "readers saw a mix or nothing"
        assert await moments() == old_runs

    second = await run_to_the_end(runner, RunTask(task_id, 2, TaskType.SCENE_DETECTION), check_readers)
    assert second.outcome is RunOutcome.COMPLETED
    assert len(seen) >= 2  # the old run stayed in view through several windows of the new one
    new_runs, new_count, _ = shown()
    assert len(new_runs) == 1 and new_runs != old_runs and new_count > 0
    assert await moments() == new_runs

    runs = api.get(f"/api/v1/tasks/{task_id}/runs").json()["items"]
    assert [(r["run_id"], r["state"]) for r in runs] == [(*new_runs, "current"), (*old_runs, "superseded")]
    assert runs[0]["config_hash"] == config_hash({"threshold": 15}) and runs[0]["artifacts"] == new_count
    assert runs[1]["artifacts"] == 0 and runs[1]["superseded_at"] is not None
    assert judged()["scene_detection"]["verdict"] == "current"


async def test_new_weights_make_exactly_their_tasks_stale(
    database_url: str,
    valkey_url: str,
    ml_client: httpx.AsyncClient,
    engine: AsyncEngine,
    redis: Redis,
    media_root: Path,
    sample_video: SampleVideo,
    model_cache: Path,
    tmp_path: Path,
) -> None:
    put_video(media_root, sample_video, "clip.mp4")
    with api_client(database_url, valkey_url, media_root) as api:
        api.post("/api/v1/paths/discover")
        video_id = api.get("/api/v1/videos").json()["items"][0]["id"]
        ids = {t: TaskId(UUID(str(task_of(api, video_id, t)["id"]))) for t in ("face_detection", "scene_detection")}
    runner = _runner(engine, redis, media_root, ml_client)
    for task_type, task_id in ids.items():
        assert (await run_to_the_end(runner, RunTask(task_id, 1, TaskType(task_type)))).outcome is RunOutcome.COMPLETED

    # Other weights for the face detector: the same network, one of its numbers changed.
    cache = tmp_path / "models"
    shutil.copytree(model_cache / "faces", cache / "faces")
    onet = cache / "faces" / "mtcnn" / "onet.pt"
    state = torch.load(onet, weights_only=True)
    name = next(k for k in state if k.endswith("bias"))
    state[name] = state[name] + 1e-3
    torch.save(state, onet)
    with (
        serve_ml(media_root, valkey_url, cache) as retrained,
        api_client(database_url, valkey_url, media_root, ml_service_url=retrained.url, ml_token=ML_TOKEN) as api,
    ):
        report = api.post(
            "/api/v1/reindex", json={"dry_run": True, "task_types": ["face_detection", "scene_detection"]}
        )
        items = {item["task_type"]: item for item in report.json()["items"]}
        assert (items["face_detection"]["verdict"], items["face_detection"]["reasons"]) == ("queued", ["other weights"])
        assert items["scene_detection"]["verdict"] == "current"
        done = api.post("/api/v1/reindex", json={}).json()  # only the stale ones, by default
        assert done["queued"] == 1 and done["counts"]["current"] == 1
        assert task_of(api, video_id, "face_detection")["status"] == "PENDING"
        assert task_of(api, video_id, "scene_detection")["status"] == "COMPLETED"
