"""`POST /configs/{endpoint}` through the real app and real models: a config is read the way a
request with it would be, refused with a 422 naming the key, and answered with the identity a run
with it would have (what stale results are found by)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from framewise.contracts.ml import InferenceResponse, ModelIdentity
from framewise.domain.provenance import config_hash
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.base import MissingModel, ModelContext
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, analysis_video: SampleVideo) -> Path:
    root = tmp_path_factory.mktemp("media")
    shutil.copy(analysis_video.path, root / "video.mp4")
    return root


@pytest.fixture(scope="module")
def client(media: Path, model_cache: Path, valkey_url: str) -> Iterator[TestClient]:
    settings = MlSettings(media_roots=[str(media)], valkey_url=valkey_url, gpu_concurrency=1)
    ctx = ModelContext(model_cache)
    registry = ModelRegistry(
        [ScenesModel(), FacesModel(ctx), TranscribeModel(ctx), MissingModel("objects", "no weights: yolo/yolo11n.pt")]
    )
    with TestClient(create_app(settings, registry)) as test_client:
        yield test_client


def check(client: TestClient, endpoint: str, config: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post(f"/configs/{endpoint}", json={"config": config})
    return response.status_code, response.json()


def test_a_config_answers_the_identity_a_run_with_it_has(client: TestClient, media: Path) -> None:
    config = {"interval_ms": 1000, "confidence": 0.8}
    status, body = check(client, "faces", config)
    assert status == 200
    identity = ModelIdentity.model_validate(body)
    assert identity.config_hash == config_hash(config) and identity.weights.startswith("sha256:")
    ran = client.post("/infer/faces", json={"video_path": str(media / "video.mp4"), "config": config})
    assert ran.status_code == 200
    assert identity.differences(InferenceResponse.model_validate(ran.json()).provenance) == []


def test_a_language_picks_its_checkpoint_and_the_identity_says_which(client: TestClient) -> None:
    status, english = check(client, "transcribe", {"profile": "fast"})
    assert status == 200
    status, french = check(client, "transcribe", {"language": "fr", "profile": "fast"})
    assert status == 200
    # The fast profile's tiny.en cannot transcribe French: the multilingual base checkpoint does, and
    # is named by its hash.
    assert french["weights"] != english["weights"]
    assert french["weights"].startswith("sha256:") and english["weights"].startswith("sha256:")
    assert french["config_hash"] == config_hash({"language": "fr", "profile": "fast"})
    status, default = check(client, "transcribe", {"language": "fr"})
    assert status == 200 and default["weights"] == french["weights"]  # base by default, for any language


@pytest.mark.parametrize(
    ("endpoint", "config", "key"),
    [
        ("faces", {"min_face": 20}, "min_face"),  # not a setting of faces
        ("faces", {"confidence": 2}, "confidence"),
        ("scenes", {"threshold": 0}, "threshold"),
        ("transcribe", {"language": "klingon"}, "language"),
        ("transcribe", {"profile": "huge"}, "profile"),
        ("transcribe", {"word_timestamps": "yes"}, "word_timestamps"),
    ],
)
def test_a_refused_key_is_a_422_that_names_it(client: TestClient, endpoint: str, config: dict, key: str) -> None:
    status, body = check(client, endpoint, config)
    assert status == 422
    assert f"config {key} " in str(body["detail"])


def test_an_unknown_key_is_refused_by_inference_too(client: TestClient, media: Path) -> None:
    ran = client.post("/infer/faces", json={"video_path": str(media / "video.mp4"), "config": {"colour": "red"}})
    assert ran.status_code == 422 and "config colour is not a setting of faces" in ran.json()["detail"]


def test_an_unavailable_model_cannot_check_and_says_why(client: TestClient) -> None:
    status, body = check(client, "objects", {})
    assert status == 503 and "yolo/yolo11n.pt" in str(body["detail"])
