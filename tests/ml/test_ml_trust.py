"""Trust inside the system, on the ML service: a bearer token on /infer, problem documents with the
correlation id for every error (NUL bytes, overlong names, hidden folders, bad bodies), and work
nobody waits for stops: requests dropped by their clients free the gate within one batch.

The last test serves the real app with uvicorn on loopback and drops real connections."""

import asyncio
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from framewise_dev.media import SampleVideo, Segment, make_sample_video, paste_face
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings
from tests.served import Served

pytestmark = pytest.mark.ml
TOKEN = "ml-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, analysis_video: SampleVideo) -> Path:
    root = tmp_path_factory.mktemp("trusted-media").resolve()
    shutil.copy(analysis_video.path, root / "video.mp4")
    (root / ".incoming").mkdir()
    shutil.copy(analysis_video.path, root / ".incoming" / "half-written.mp4")
    return root


@pytest.fixture(scope="module")
def client(media: Path, model_cache: Path) -> Iterator[TestClient]:
    settings = MlSettings(media_roots=[str(media)], ml_token=TOKEN)  # type: ignore[arg-type]
    registry = ModelRegistry([ScenesModel(), FacesModel(ModelContext(model_cache))], device={"device": "cpu"})
    with TestClient(create_app(settings, registry)) as test_client:
        yield test_client


def post(client: TestClient, body: dict, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post("/infer/scenes", json=body, headers={**AUTH, "X-Correlation-ID": "trust-1", **(headers or {})})


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert response.headers["content-type"] == "application/problem+json"
    assert body["type"].endswith(f"/{kind}") and body["status"] == status and body["detail"]
    assert body["correlation_id"] == response.headers["X-Correlation-ID"] == "trust-1"
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": ""}, {"Authorization": "Bearer wrong-token-of-some-length"}, {"Authorization": "Basic eDp5"}],
    ids=["none", "wrong", "not-bearer"],
)
def test_infer_needs_the_ml_token(client: TestClient, media: Path, headers: dict[str, str]) -> None:
    response = post(client, {"video_path": str(media / "video.mp4")}, headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert post(client, {"video_path": str(media / "video.mp4")}).status_code == 200
    assert client.get("/health").status_code == 200  # health and metrics stay open to the probes


def test_the_service_will_not_start_off_loopback_without_a_token(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "10.1.2.3", "ml"):
        with pytest.raises(ValueError, match="ML_TOKEN is required"):
            MlSettings(media_roots=[str(tmp_path)], ml_host=host)
    for host in ("127.0.0.1", "::1", "localhost"):
        assert MlSettings(media_roots=[str(tmp_path)], ml_host=host).ml_token is None
    assert MlSettings(media_roots=[str(tmp_path)], ml_host="0.0.0.0", ml_token=TOKEN).ml_token is not None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 16"):
        MlSettings(media_roots=[str(tmp_path)], ml_token="short")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("{root}/vid\x00eo.mp4", 422, "unprocessable-content"),  # NUL: refused by the request schema
        ("{root}/" + "n" * 300 + ".mp4", 422, "invalid-path"),  # a name the file system cannot hold
        ("{root}/" + "d/" * 2100 + "x.mp4", 422, "unprocessable-content"),  # over 4096 characters
        ("{root}/.incoming/half-written.mp4", 403, "hidden-path"),  # upload staging is not analysed
        ("/etc/passwd", 403, "path-outside-roots"),
    ],
    ids=["nul", "long-name", "long-path", "hidden", "outside"],
)
def test_bad_paths_are_problems_never_500(client: TestClient, media: Path, path: str, status: int, kind: str) -> None:
    body = assert_problem(post(client, {"video_path": path.format(root=media)}), status, kind)
    assert str(media) not in body["detail"]  # no server paths in what a caller reads


def test_a_malformed_body_is_a_problem_document(client: TestClient) -> None:
    response = client.post(
        "/infer/scenes",
        content=b"{not json",
        headers={**AUTH, "content-type": "application/json", "X-Correlation-ID": "trust-1"},
    )
    assert assert_problem(response, 422, "unprocessable-content")["errors"]


# -- abandoned work -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 s with a face throughout: sampled every 100 ms, far more work than any test waits for."""
    root = tmp_path_factory.mktemp("long-media").resolve()
    segments = [Segment(60.0, (200, 120, 40), moving_square=False, painter=paste_face)]
    make_sample_video(root / "long.mp4", segments=segments, fps=25)
    return root


async def until_running(probe: httpx.AsyncClient) -> None:
    """Wait on observable state: the gate shows an inference in flight."""
    for _ in range(2400):
        if (await probe.get("/health")).json()["gate"]["running"]:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("no inference started")


def counter(metrics: str, outcome: str) -> float:
    found = re.search(rf'framewise_ml_requests_total{{model="faces",outcome="{outcome}"}} ([0-9.e+]+)', metrics)
    return float(found.group(1)) if found else 0.0


async def test_requests_dropped_by_their_clients_free_the_gate_within_one_batch(
    long_video: Path, model_cache: Path
) -> None:
    settings = MlSettings(media_roots=[str(long_video)], ml_token=TOKEN, gpu_concurrency=1)  # type: ignore[arg-type]
    registry = ModelRegistry([FacesModel(ModelContext(model_cache))], device={"device": "cpu"})
    body = {"video_path": str(long_video / "long.mp4"), "config": {"interval_ms": 100, "batch": 4}}
    with Served(create_app(settings, registry)) as served:
        async with httpx.AsyncClient(base_url=served.url, headers=AUTH) as probe:
            first = (await probe.get("/metrics")).text
            before, ok_before = counter(first, "abandoned"), counter(first, "ok")

            async def dropped() -> None:
                async with httpx.AsyncClient(base_url=served.url, headers=AUTH) as caller:
                    call = asyncio.ensure_future(caller.post("/infer/faces", json=body, timeout=600))
                    await until_running(probe)
                    call.cancel()  # the client goes away mid-request: its connection closes

            flood = [asyncio.ensure_future(dropped()) for _ in range(5)]
            await asyncio.gather(*flood, return_exceptions=True)

            deadline = time.monotonic() + 120
            while True:
                gate = (await probe.get("/health")).json()["gate"]
                metrics = (await probe.get("/metrics")).text
                if (gate["running"], gate["waiting"]) == (0, 0) and counter(metrics, "abandoned") - before == 5:
                    break
                assert time.monotonic() < deadline, (gate, counter(metrics, "abandoned") - before)
                await asyncio.sleep(0.1)
            assert counter(metrics, "ok") == ok_before  # none of them ran to the end for nobody
            answered = await probe.post("/infer/faces", json={**body, "end_ms": 400})
            assert answered.status_code == 200  # the slot is free for a caller that waits


@pytest.mark.parametrize(
    "config",
    [{"interval_ms": 40}, {"interval_ms": 99}, {"min_face_size": 8}, {"batch": 65}],
    ids=["every-frame", "under-100-ms", "tiny-faces", "huge-batch"],
)
def test_configs_that_would_make_an_analysis_far_dearer_are_refused(
    client: TestClient, media: Path, config: dict
) -> None:
    response = client.post(
        "/infer/faces",
        json={"video_path": str(media / "video.mp4"), "config": config},
        headers={**AUTH, "X-Correlation-ID": "trust-1"},
    )
    assert_problem(response, 422, "invalid-config")


@pytest.mark.parametrize("config", [{"interval_ms": 100}, {"canvas_size": 4096}], ids=["ocr-every-100-ms", "canvas"])
def test_ocr_bounds_its_dearest_settings(model_cache: Path, analysis_video: SampleVideo, config: dict) -> None:
    from framewise.contracts.ml import InferenceRequest
    from framewise_ml.models.ocr import OcrModel

    with pytest.raises(ValueError, match="config"):
        model = OcrModel(ModelContext(model_cache))
        model.predict(InferenceRequest(video_path="x", config=config), analysis_video.path)
