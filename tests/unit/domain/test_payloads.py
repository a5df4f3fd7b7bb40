from datetime import UTC, datetime

import pytest

from framewise.domain.artifact import envelopes_for
from framewise.domain.errors import InvalidPayload
from framewise.domain.ids import new_task_id, new_video_id
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType

pytestmark = pytest.mark.unit
PROVENANCE = Provenance(
    producer="p",
    producer_version="1",
    model_profile="balanced",
    config_hash="h",
    input_hash="i",
    run_id="r",
    device="cpu",
    weights="none",
)


def wrap(task_type: TaskType, items: list) -> list:
    return envelopes_for(
        task_type=task_type,
        video_id=new_video_id(),
        task_id=new_task_id(),
        attempt=1,
        items=items,
        provenance=PROVENANCE,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_scene_envelopes_take_their_span_from_the_payload() -> None:
    [envelope] = wrap(TaskType.SCENE_DETECTION, [{"scene_index": 0, "start_ms": 0, "end_ms": 2000}])
    assert (envelope.span_start_ms, envelope.span_end_ms, envelope.schema_version) == (0, 2000, 1)
    assert envelope.artifact_type.value == "scene"


def test_one_invalid_item_rejects_the_whole_batch_with_a_clear_error() -> None:
    items = [{"scene_index": 0, "start_ms": 0, "end_ms": 2000}, {"scene_index": 1, "start_ms": 5, "end_ms": 5}]
    with pytest.raises(InvalidPayload, match="SceneV1"):
        wrap(TaskType.SCENE_DETECTION, items)


def test_ocr_polygon_needs_three_points() -> None:
    item = {
        "text": "HI",
        "confidence": 0.9,
        "polygon": [{"x": 0, "y": 0}, {"x": 1, "y": 1}],
        "frame_index": 3,
        "timestamp_ms": 120,
    }
    with pytest.raises(InvalidPayload, match="polygon"):
        wrap(TaskType.OCR, [item])


def test_object_bbox_corners_must_be_ordered() -> None:
    item = {
        "label": "car",
        "confidence": 0.5,
        "bbox": {"x1": 10, "y1": 0, "x2": 5, "y2": 5},
        "frame_index": 0,
        "timestamp_ms": 0,
    }
    with pytest.raises(InvalidPayload):
        wrap(TaskType.OBJECT_DETECTION, [item])


def test_an_envelope_carries_its_ids_attempt_time_and_the_payload_as_json_without_nulls() -> None:
    video_id, task_id, now = new_video_id(), new_task_id(), datetime(2026, 1, 1, tzinfo=UTC)
    item = {"label": "car", "confidence": 0.5, "bbox": {"x1": 0, "y1": 0, "x2": 5, "y2": 5}, "frame_index": 2}
    first, second = envelopes_for(
        task_type=TaskType.OBJECT_DETECTION,
        video_id=video_id,
        task_id=task_id,
        attempt=3,
        items=[{**item, "timestamp_ms": 80}, {**item, "timestamp_ms": 120, "track_id": 7}],
        provenance=PROVENANCE,
        now=now,
    )
    assert (first.video_id, first.task_id, first.attempt, first.created_at) == (video_id, task_id, 3, now)
    assert first.id != second.id and first.id is not None
    assert first.payload == {**item, "timestamp_ms": 80, "bbox": {"x1": 0.0, "y1": 0.0, "x2": 5.0, "y2": 5.0}}
    assert second.payload["track_id"] == 7 and (second.span_start_ms, second.span_end_ms) == (120, 120)


def test_a_rejected_item_names_the_field_or_the_item_as_a_whole() -> None:
    nested = {"label": "car", "confidence": 0.5, "bbox": {"x1": -1, "y1": 0, "x2": 5, "y2": 5}}
    with pytest.raises(InvalidPayload, match=r"^ObjectDetectionV1 rejected bbox\.x1: "):
        wrap(TaskType.OBJECT_DETECTION, [{**nested, "frame_index": 0, "timestamp_ms": 0}])
    with pytest.raises(InvalidPayload, match=r"^SceneV1 rejected item: "):
        wrap(TaskType.SCENE_DETECTION, [{"scene_index": 0, "start_ms": 5, "end_ms": 5}])
