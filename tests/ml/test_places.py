"""Places365 classification end to end: a generated video of painted places through `PlacesModel`.

The classifier is one the suite fits itself (tests/ml/fitted/places_scenes.py), saved in the official
checkpoint format, so these tests go through the loader, preprocessing, batching and sampling a real
`resnet18_places365.pth.tar` would, and assert the places actually painted.
"""

import hashlib
import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import PlaceClassificationV1
from framewise_dev.media import SampleVideo, Segment, make_sample_video
from framewise_ml.models.base import ModelContext, ModelState, weights_identity
from tests.tools import requires

torch = requires("torch")  # before the modules that import it

from framewise_ml.models.places import (  # noqa: E402
    CATEGORIES_FILE,
    PlacesModel,
    read_categories,
    readable_label,
)
from tests.ml.fitted.places_scenes import (  # noqa: E402
    BEACH,
    BEDROOM,
    DESERT,
    FOREST,
    LABELS,
    fitted_places_resnet18,
    scene_painter,
)

pytestmark = [pytest.mark.ml, pytest.mark.timeout(900)]  # the first run fits the classifier (minutes)

FPS = 25
PLAN = [(BEACH, 2.0), (FOREST, 2.0), (DESERT, 2.0), (BEDROOM, 2.0)]
OFFICIAL_MD5 = "06c963b85866bd0649f97cb43dd16673"  # categories_places365.txt of the CSAILVision release
DEFAULT_FILE = "resnet18_places365.pth.tar"


@pytest.fixture(scope="module")
def fitted() -> Path:
    return fitted_places_resnet18()


def cache_with(root: Path, files: dict[str, Path | dict[str, object]]) -> Path:
    """A MODEL_CACHE_DIR whose places365 folder holds `files`: copies of paths, or dicts saved."""
    folder = root / "places365"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, Path):
            shutil.copyfile(content, folder / name)
        else:
            torch.save(content, folder / name)
    return root


def loaded(cache_dir: Path, allow_random: bool = False) -> PlacesModel:
    model = PlacesModel(ModelContext(cache_dir=cache_dir, allow_random_weights=allow_random))
    model.load()
    return model


@pytest.fixture(scope="module")
def model(fitted: Path, tmp_path_factory: pytest.TempPathFactory) -> PlacesModel:
    ready = loaded(cache_with(tmp_path_factory.mktemp("cache"), {DEFAULT_FILE: fitted}))
    assert ready.status.state is ModelState.READY, ready.status.reason
    return ready


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> SampleVideo:
    """8 s at 640x360: beach, forest, desert, bedroom, 2 s each (decoded scaled down to 455x256)."""
    segments = [
        Segment(seconds, (0, 0, 0), moving_square=False, painter=scene_painter(label, seed=100 + i))
        for i, (label, seconds) in enumerate(PLAN)
    ]
    return make_sample_video(
        tmp_path_factory.mktemp("video") / "places.mp4", segments=segments, fps=FPS, width=640, height=360
    )


def painted(frame_index: int) -> str:
    """The place painted on a frame."""
    end = 0
    for label, seconds in PLAN:
        end += round(seconds * FPS)
        if frame_index < end:
            return label
    raise AssertionError(f"frame {frame_index} is past the video")


def expected_frames(video: SampleVideo, interval_ms: int, start_ms: int = 0, end_ms: int | None = None) -> list[int]:
    """The first frame at or after each multiple of the interval (the video's global grid), inside
    [start_ms, end_ms)."""
    end_ms = video.duration_ms if end_ms is None else end_ms
    indexes, due = [], -(-start_ms // interval_ms) * interval_ms
    while True:
        index = math.ceil(due * FPS / 1000)
        timestamp = round(index * 1000 / FPS)
        if index >= video.frame_count or timestamp >= end_ms:
            return indexes
        indexes.append(index)
        due = (timestamp // interval_ms + 1) * interval_ms


def predict(places: PlacesModel, video: SampleVideo, **kwargs: object) -> list[PlaceClassificationV1]:
    window = {k: kwargs.pop(k) for k in ("start_ms", "end_ms") if k in kwargs}
    request = InferenceRequest(video_path=str(video.path), config=kwargs, **window)  # type: ignore[arg-type]
    prediction = places.predict(request, video.path)
    assert prediction.decode_ms > 0 and prediction.inference_ms > 0
    return [PlaceClassificationV1.model_validate(item) for item in prediction.items]


def test_labels_file_is_the_official_365() -> None:
    assert hashlib.md5(CATEGORIES_FILE.read_bytes()).hexdigest() == OFFICIAL_MD5
    labels = read_categories()
    assert len(labels) == len(set(labels)) == 365
    assert labels[0] == "airfield" and labels[48] == "beach" and labels[150] == "forest/broadleaf"
    assert labels[116] == "desert/sand" and labels[364] == "zen_garden"
    assert not any(label.startswith("/") for label in labels)
    assert readable_label("/a/apartment_building/outdoor") == "apartment_building/outdoor"


def test_each_sampled_frame_is_the_place_painted(model: PlacesModel, video: SampleVideo) -> None:
    items = predict(model, video, interval_ms=500, top_k=3)
    assert [i.frame_index for i in items] == expected_frames(video, 500)
    assert len(items) == 16
    for item in items:
        assert item.frame_index == round(item.timestamp_ms * FPS / 1000)
        assert item.predictions[0].label == painted(item.frame_index), item
        confidences = [p.confidence for p in item.predictions]
        assert len(confidences) == 3 and confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert {p.label for p in item.predictions} <= set(LABELS)  # the fit leaves the other 361 near zero
    assert {painted(i.frame_index) for i in items} == set(LABELS)


def test_batches_agree_with_one_frame_at_a_time(model: PlacesModel, video: SampleVideo) -> None:
    batched = predict(model, video, interval_ms=1000, batch=16)
    single = predict(model, video, interval_ms=1000, batch=1)
    assert [i.frame_index for i in batched] == [i.frame_index for i in single]
    for a, b in zip(batched, single, strict=True):
        assert [p.label for p in a.predictions] == [p.label for p in b.predictions]
        assert all(abs(p.confidence - q.confidence) < 1e-3 for p, q in zip(a.predictions, b.predictions, strict=True))


def test_time_window_is_respected(model: PlacesModel, video: SampleVideo) -> None:
    items = predict(model, video, interval_ms=1000, start_ms=2500, end_ms=5000)
    # On the global grid: the samples of 3000 and 4000, as a pass over the whole video takes them.
    assert [i.frame_index for i in items] == expected_frames(video, 1000, 2500, 5000) == [75, 100]
    assert all(2500 <= i.timestamp_ms < 5000 for i in items)
    assert [i.predictions[0].label for i in items] == [FOREST, DESERT]


def test_top_k_and_min_confidence(model: PlacesModel, video: SampleVideo) -> None:
    assert all(len(i.predictions) == 1 for i in predict(model, video, interval_ms=2000, top_k=1))
    assert all(len(i.predictions) == 10 for i in predict(model, video, interval_ms=2000, top_k=10))
    confident = predict(model, video, interval_ms=2000, top_k=5, min_confidence=0.5)
    assert len(confident) == 4
    assert all(len(i.predictions) == 1 and i.predictions[0].confidence >= 0.5 for i in confident)


def test_provenance_names_the_weights_file(model: PlacesModel, video: SampleVideo, fitted: Path) -> None:
    request = InferenceRequest(video_path=str(video.path), config={"interval_ms": 2000})
    provenance = model.provenance(request, video.path)
    assert provenance.producer == "places365" and provenance.producer_version.endswith("/resnet18")
    assert provenance.weights == weights_identity(fitted) == model.weights
    assert provenance.model_profile == "fast"


def test_bare_state_dict_loads_and_agrees(fitted: Path, tmp_path: Path, video: SampleVideo) -> None:
    """A state_dict without the checkpoint wrapper or the `module.` prefix, picked by `model`."""
    official = torch.load(fitted, map_location="cpu", weights_only=True)
    assert official["arch"] == "resnet18" and all(k.startswith("module.") for k in official["state_dict"])
    bare = {k.removeprefix("module."): v for k, v in official["state_dict"].items()}
    model = loaded(cache_with(tmp_path, {DEFAULT_FILE: fitted, "bare_places365.pth.tar": bare}))
    assert model.status.state is ModelState.READY, model.status.reason
    with ThreadPoolExecutor(4) as pool:  # concurrent first requests load the file once
        loaded_by = set(pool.map(lambda _: id(model.classifier({"model": "bare_places365.pth.tar"})), range(4)))
    assert len(loaded_by) == 1
    items = predict(model, video, interval_ms=2000, model="bare_places365.pth.tar")
    assert [i.predictions[0].label for i in items] == [label for label, _ in PLAN]
    request = InferenceRequest(video_path=str(video.path), config={"model": "bare_places365.pth.tar"})
    assert model.provenance(request, video.path).weights == weights_identity(
        tmp_path / "places365" / "bare_places365.pth.tar"
    )


def test_checkpoint_with_its_own_classes(fitted: Path, tmp_path: Path, video: SampleVideo) -> None:
    """A head cut to the four fitted places, labelled by the checkpoint's `classes`."""
    checkpoint = torch.load(fitted, map_location="cpu", weights_only=True)
    rows = torch.tensor([read_categories().index(label) for label in LABELS])
    state = checkpoint["state_dict"]
    state["module.fc.weight"], state["module.fc.bias"] = state["module.fc.weight"][rows], state["module.fc.bias"][rows]
    checkpoint["classes"] = [label.upper() for label in LABELS]
    model = loaded(cache_with(tmp_path, {DEFAULT_FILE: checkpoint}))
    assert model.status.state is ModelState.READY, model.status.reason
    items = predict(model, video, interval_ms=2000, top_k=10)
    assert [i.predictions[0].label for i in items] == [label.upper() for label, _ in PLAN]
    assert all(len(i.predictions) == 4 for i in items)  # top_k is capped at the number of classes


def test_wrong_shapes_fail_with_a_reason(fitted: Path, tmp_path: Path) -> None:
    checkpoint = torch.load(fitted, map_location="cpu", weights_only=True)
    state = checkpoint["state_dict"]
    state["module.fc.weight"], state["module.fc.bias"] = state["module.fc.weight"][:10], state["module.fc.bias"][:10]
    model = loaded(cache_with(tmp_path / "a", {DEFAULT_FILE: checkpoint}))
    assert model.status.state is ModelState.FAILED
    assert "size mismatch for fc.weight" in (model.status.reason or "")
    assert DEFAULT_FILE in (model.status.reason or "")

    (tmp_path / "b" / "places365").mkdir(parents=True)
    (tmp_path / "b" / "places365" / DEFAULT_FILE).write_bytes(b"<html>not found</html>")
    model = loaded(tmp_path / "b")
    assert model.status.state is ModelState.FAILED
    assert "not a readable torch checkpoint" in (model.status.reason or "")


def test_missing_weights_fail_naming_the_file(tmp_path: Path) -> None:
    model = loaded(tmp_path)
    assert model.status.state is ModelState.FAILED
    reason = model.status.reason or ""  # the file relative to the cache, and the cache
    assert f"places365/{DEFAULT_FILE}" in reason and str(tmp_path) in reason
    assert model.weights == "none"


def test_random_weights_only_when_allowed_and_said(tmp_path: Path, video: SampleVideo) -> None:
    model = loaded(tmp_path, allow_random=True)
    assert model.status.state is ModelState.READY, model.status.reason
    assert model.weights == "random" and model.producer_version.endswith("/resnet18")
    items = predict(model, video, interval_ms=4000, top_k=2)
    assert len(items) == 2 and all(p.label in read_categories() for i in items for p in i.predictions)
    request = InferenceRequest(video_path=str(video.path), config={})
    assert model.provenance(request, video.path).weights == "random"


@pytest.mark.parametrize(
    "config",
    [
        {"top_k": 0},
        {"top_k": 11},
        {"top_k": True},
        {"interval_ms": 10},
        {"interval_ms": 2.5},
        {"batch": 0},
        {"batch": 65},
        {"min_confidence": 1.5},
        {"profile": "huge"},
        {"model": "../resnet18_places365.pth.tar"},
        {"model": "absent_places365.pth.tar"},
        {"model": "resnet18_places365.pt"},
        {"profile": "accurate"},  # resnet50 weights are not installed here
    ],
)
def test_bad_config_is_a_value_error(model: PlacesModel, video: SampleVideo, config: dict[str, object]) -> None:
    request = InferenceRequest(video_path=str(video.path), config=config)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        model.predict(request, video.path)
