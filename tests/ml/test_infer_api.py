"""`POST /infer/*` through the real app: bad input gets a clear 4xx, nothing crashes the service, and
a finished result is kept in Valkey under ml_result:{task_id}."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from framewise.contracts.ml import InferenceResponse
from framewise.domain.payloads import FaceDetectionV1
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.base import MissingModel, ModelContext
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, analysis_video: SampleVideo) -> Path:
    root = tmp_path_factory.mktemp("media")
    shutil.copy(analysis_video.path, root / "video.mp4")
    (root / "notes.mp4").write_text("this is not a video\n" * 100)
    (root / "empty.mp4").write_bytes(b"")
    data = analysis_video.path.read_bytes()
    (root / "truncated.mp4").write_bytes(data[: len(data) // 3])
    return root


@pytest.fixture(scope="module")
def client(media: Path, model_cache: Path, valkey_url: str) -> Iterator[TestClient]:
    settings = MlSettings(media_roots=[str(media)], valkey_url=valkey_url, gpu_concurrency=1)
    registry = ModelRegistry(
        [ScenesModel(), FacesModel(ModelContext(model_cache)), MissingModel("objects", "no weights: yolo/yolo11n.pt")]
    )
    with TestClient(create_app(settings, registry)) as test_client:
        yield test_client


def infer(client: TestClient, analysis: str, **body: object) -> tuple[int, dict]:
    response = client.post(f"/infer/{analysis}", json=body)
    return response.status_code, response.json()


def test_a_good_request_answers_with_items_provenance_and_timings(client: TestClient, media: Path) -> None:
    status, body = infer(client, "faces", video_path=str(media / "video.mp4"), config={"interval_ms": 1000})
    assert status == 200
    response = InferenceResponse.model_validate(body)
    assert all(type(item) is FaceDetectionV1 for item in response.items)  # parsed as the analysis's payload
    assert [item.timestamp_ms for item in response.items] == [2000, 3000]
    assert response.provenance.weights.startswith("sha256:") and response.provenance.input_hash.startswith("fw1:")
    assert response.timings.total_ms >= response.timings.inference_ms > 0


def test_a_result_of_a_job_is_kept_in_valkey_under_that_job(client: TestClient, media: Path, valkey_url: str) -> None:
    task_id = str(uuid4())
    status, body = infer(
        client, "scenes", video_path=str(media / "video.mp4"), task_id=task_id, attempt=3, start_ms=0, end_ms=4000
    )
    assert status == 200
    assert (body["task_id"], body["attempt"], body["start_ms"], body["end_ms"]) == (task_id, 3, 0, 4000)
    stored = Redis.from_url(valkey_url)
    try:
        assert json.loads(stored.get(f"ml_result:{task_id}:3") or b"{}") == body
        assert 0 < stored.ttl(f"ml_result:{task_id}:3") <= 1800
        assert stored.keys(f"ml_result:{task_id}*") == [f"ml_result:{task_id}:3".encode()]
    finally:
        stored.close()


@pytest.mark.parametrize(
    "job",
    [{"task_id": "task-42", "attempt": 1}, {"task_id": "x" * 10_000, "attempt": 1}, {"task_id": str(uuid4())}],
    ids=["not-a-uuid", "overlong", "no-attempt"],
)
def test_a_job_must_name_a_uuid_task_and_its_attempt(client: TestClient, media: Path, job: dict) -> None:
    status, body = infer(client, "scenes", video_path=str(media / "video.mp4"), **job)
    assert status == 422 and body["type"].endswith("/unprocessable-content") and body["errors"]


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("missing.mp4", 404, "video-not-found"),
        ("notes.mp4", 422, "bad-media"),
        ("empty.mp4", 422, "bad-media"),
        ("truncated.mp4", 422, "bad-media"),
    ],
)
def test_bad_files_get_a_clear_4xx(client: TestClient, media: Path, name: str, status: int, kind: str) -> None:
    for analysis in ("faces", "scenes"):
        code, body = infer(client, analysis, video_path=str(media / name))
        assert (code, body["type"].rsplit("/", 1)[1]) == (status, kind), body
        assert body["detail"]


@pytest.mark.parametrize("path", ["/etc/passwd", "{root}/../outside.mp4", "relative.mp4"])
def test_paths_outside_the_roots_are_refused(client: TestClient, media: Path, path: str) -> None:
    code, body = infer(client, "faces", video_path=path.format(root=media))
    assert code in (403, 404) and body["status"] == code


def test_bad_config_and_bad_windows_are_422(client: TestClient, media: Path) -> None:
    video = str(media / "video.mp4")
    assert infer(client, "faces", video_path=video, config={"confidence": 7})[0] == 422
    assert infer(client, "faces", video_path=video, start_ms=5000, end_ms=1000)[0] == 422
    assert infer(client, "faces", video_path=video, extra=1)[0] == 422


def test_an_unavailable_model_answers_503_naming_it(client: TestClient, media: Path) -> None:
    response = client.post("/infer/objects", json={"video_path": str(media / "video.mp4")})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "objects" in response.json()["detail"] and "yolo11n.pt" in response.json()["detail"]


def test_the_service_is_still_healthy_after_all_that(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "degraded"
    assert health["models"]["faces"]["state"] == "ready" and health["models"]["objects"]["state"] == "failed"
    assert client.get("/livez").json() == {"status": "ok"}
