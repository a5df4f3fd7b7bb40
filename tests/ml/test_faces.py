"""Faces with MTCNN on real weights: found in the shot that shows one, only there, box on the face."""

from pathlib import Path

import pytest

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import FaceDetectionV1
from framewise_dev.media import SampleVideo, face_box
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.faces import FacesModel

pytestmark = pytest.mark.ml


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_the_face_is_found_only_in_its_shot_with_the_box_on_it(faces: FacesModel, analysis_video: SampleVideo) -> None:
    request = InferenceRequest(video_path=str(analysis_video.path), config={"interval_ms": 500})
    items = faces.predict(request, analysis_video.path).items
    face_shot = range(analysis_video.cut_ms()[0], analysis_video.cut_ms()[1])
    assert {item["timestamp_ms"] for item in items} == {2000, 2520, 3000, 3520}  # every sample of that shot
    for item in items:
        payload = FaceDetectionV1.model_validate(item)
        assert payload.timestamp_ms in face_shot
        assert payload.frame_index == round(payload.timestamp_ms * analysis_video.fps / 1000)
        box = (payload.bbox.x1, payload.bbox.y1, payload.bbox.x2, payload.bbox.y2)
        assert iou(box, face_box()) > 0.7
        assert payload.landmarks is not None and len(payload.landmarks) == 5
        assert all(box[0] <= p.x <= box[2] and box[1] <= p.y <= box[3] for p in payload.landmarks)


def test_the_time_window_limits_the_frames_read(faces: FacesModel, analysis_video: SampleVideo) -> None:
    request = InferenceRequest(video_path=str(analysis_video.path), start_ms=3000, end_ms=6000)
    items = faces.predict(request, analysis_video.path).items
    assert [item["timestamp_ms"] for item in items] == [3000]


def test_provenance_names_the_weights_files(faces: FacesModel, analysis_video: SampleVideo) -> None:
    provenance = faces.provenance(InferenceRequest(video_path=str(analysis_video.path)), analysis_video.path)
    assert provenance.weights.startswith("sha256:") and provenance.producer == "facenet-pytorch-mtcnn+dlib-resnet"


def test_bad_config_is_refused(faces: FacesModel, analysis_video: SampleVideo) -> None:
    with pytest.raises(ValueError, match="interval_ms"):
        faces.predict(InferenceRequest(video_path="x", config={"interval_ms": 0}), analysis_video.path)


def test_missing_weights_fail_the_model_naming_the_file(tmp_path: Path) -> None:
    model = FacesModel(ModelContext(tmp_path))
    model.load()
    assert model.status.state is ModelState.FAILED
    assert "faces/mtcnn/pnet.pt" in (model.status.reason or "")
