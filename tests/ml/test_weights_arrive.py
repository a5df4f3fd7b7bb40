"""Weights that arrive in the model cache after start-up are used without a restart: a model that
lacked them says which files (relative to the cache) until they come, then loads by itself when the
service is next asked about its models, or at once on `POST /models/reload`; where `auto` chose the
fallback, the preferred model's checkpoint arriving replaces it, and a checkpoint that fails to load
leaves the fallback serving."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.choice import objects_model
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.settings import MlSettings
from tests.e2e.waits import wait_until

pytestmark = pytest.mark.ml
TOKEN = "test-ml-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FACES = [
    "faces/mtcnn/pnet.pt",
    "faces/mtcnn/rnet.pt",
    "faces/mtcnn/onet.pt",
    "faces/dlib/shape_predictor_5_face_landmarks.dat",
    "faces/dlib/dlib_face_recognition_resnet_model_v1.dat",
]


@pytest.fixture
def cache(tmp_path: Path, model_cache: Path) -> Path:
    """The offline cache without the faces model's weights (and without YOLO11, as offline)."""
    copy = tmp_path / "models"
    shutil.copytree(model_cache, copy)
    shutil.rmtree(copy / "faces")
    return copy


@pytest.fixture
def client(cache: Path, tmp_path: Path) -> Iterator[TestClient]:
    ctx = ModelContext(cache)
    registry = ModelRegistry([objects_model(ctx), FacesModel(ctx)], device={"device": "cpu"}, ctx=ctx)
    settings = MlSettings(media_roots=[str(tmp_path)], model_cache_dir=cache, ml_token=TOKEN)  # type: ignore[arg-type]
    with TestClient(create_app(settings, registry)) as test_client:
        yield test_client


def yolo11_checkpoint(path: Path) -> None:
    """A real YOLO11n detection checkpoint (random weights: the architecture is what counts here)."""
    from ultralytics import YOLO

    path.parent.mkdir(parents=True, exist_ok=True)
    YOLO("yolo11n.yaml").save(str(path))


def test_a_model_without_its_weights_names_each_missing_file(cache: Path) -> None:
    model = FacesModel(ModelContext(cache))
    model.load()
    assert model.status.state is ModelState.FAILED
    assert model.status.missing == FACES
    assert model.status.reason is not None and model.status.reason.startswith(f"weights {', '.join(FACES)} missing")
    assert str(cache) in model.status.reason and not model.weights_arrived()
    (cache / FACES[0]).parent.mkdir(parents=True)
    (cache / FACES[0]).write_bytes(b"")
    assert not model.weights_arrived()  # one of five is not enough


def test_weights_copied_in_after_start_are_loaded_without_a_restart(
    client: TestClient, cache: Path, model_cache: Path
) -> None:
    faces = client.get("/health").json()["models"]["faces"]
    assert faces["state"] == "failed" and faces["missing"] == FACES and "faces/mtcnn/pnet.pt" in faces["reason"]
    refused = client.post("/infer/faces", json={"video_path": "/nowhere.mp4"}, headers=AUTH)
    assert refused.status_code == 503 and "faces/mtcnn/onet.pt" in refused.json()["detail"]
    with capture_logs() as logs:
        shutil.copytree(model_cache / "faces", cache / "faces")
        ready = wait_until(
            lambda: (m := client.get("/health").json()["models"]["faces"])["state"] == "ready" and m,
            timeout=120,
            message="the faces model to load the weights that arrived",
        )
    assert ready["weights"].startswith("sha256:") and ready["missing"] == [] and ready["reason"] is None
    loaded = [line for line in logs if line["event"] == "model_loaded"]
    assert [(line["model"], line["state"]) for line in loaded] == [("faces", "ready")]  # once
    assert client.get("/health").json()["status"] == "healthy"


def test_reload_needs_the_token_and_says_what_changed(client: TestClient, cache: Path, model_cache: Path) -> None:
    assert client.post("/models/reload").status_code == 401
    nothing = client.post("/models/reload", headers=AUTH).json()
    assert [(c["model"], c["changed"]) for c in nothing["changes"]] == [("faces", False)]  # tried, still missing
    shutil.copytree(model_cache / "faces", cache / "faces")
    answer = client.post("/models/reload", headers=AUTH)
    assert answer.status_code == 200
    (change,) = answer.json()["changes"]
    assert change["model"] == "faces" and change["changed"]
    assert change["before"]["state"] == "failed" and change["after"]["state"] == "ready"
    assert answer.json()["models"]["faces"]["state"] == "ready"
    assert client.post("/models/reload", headers=AUTH).json()["changes"] == []  # every model ready


def test_the_preferred_checkpoint_arriving_replaces_the_fallback_and_a_bad_one_does_not(
    client: TestClient, cache: Path
) -> None:
    before = client.get("/health").json()["models"]["objects"]
    assert before["producer"] == "yolov3-tiny" and before["state"] == "ready"
    # A checkpoint that cannot load: the fallback goes on serving, and the same file is not tried again.
    bad = cache / "yolo" / "yolo11n.pt"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"\x00 not a checkpoint " * 100)
    with capture_logs() as logs:
        change = client.post("/models/reload", headers=AUTH).json()["changes"]
    assert [(c["model"], c["changed"]) for c in change] == [("objects", False), ("faces", False)]
    assert [line["model"] for line in logs if line["event"] == "model_upgrade_failed"] == ["objects"]
    assert client.get("/health").json()["models"]["objects"]["producer"] == "yolov3-tiny"
    assert [c["model"] for c in client.post("/models/reload", headers=AUTH).json()["changes"]] == ["faces"]
    # A real YOLO11 checkpoint in its place: noticed by itself, loaded beside, then swapped in.
    bad.unlink()
    yolo11_checkpoint(bad)
    after = wait_until(
        lambda: (m := client.get("/health").json()["models"]["objects"])["producer"] == "ultralytics" and m,
        timeout=120,
        message="the objects model to switch to YOLO11",
    )
    assert (
        after["state"] == "ready"
        and after["selected_by"] == "OBJECTS_MODEL=auto: yolo/yolo11n.pt is in the model cache"
    )
