from datetime import UTC, datetime

import pytest

from framewise.contracts.ml import InferenceResponse
from framewise.domain.analyses import CATALOGUE
from framewise.domain.artifact import envelopes_for
from framewise.domain.errors import InvalidPayload
from framewise.domain.ids import new_task_id, new_video_id
from framewise.domain.payloads import FaceDetectionV1, SceneV1
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


def answer(task_type: TaskType, items: list) -> InferenceResponse:
    """Items as they enter a process: parsed once, with the answer."""
    timings = {"queue_wait_ms": 0, "decode_ms": 0, "inference_ms": 0, "total_ms": 0}
    return InferenceResponse.model_validate(
        {"task_type": task_type, "items": items, "provenance": PROVENANCE, "timings": timings}
    )


def wrap(task_type: TaskType, items: list) -> list:
    return envelopes_for(
        task_type=task_type,
        video_id=new_video_id(),
        task_id=new_task_id(),
        attempt=1,
        items=answer(task_type, items).items,
        provenance=PROVENANCE,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_scene_envelopes_take_their_span_from_the_payload() -> None:
    [envelope] = wrap(TaskType.SCENE_DETECTION, [{"scene_index": 0, "start_ms": 0, "end_ms": 2000}])
    assert (envelope.span_start_ms, envelope.span_end_ms, envelope.schema_version) == (0, 2000, 1)
    assert envelope.artifact_type.value == "scene"


def test_one_invalid_item_rejects_the_whole_batch_with_a_clear_error() -> None:
    items = [{"scene_index": 0, "start_ms": 0, "end_ms": 2000}, {"scene_index": 1, "start_ms": 5, "end_ms": 5}]
    with pytest.raises(InvalidPayload, match=r"SceneV1 .*\(item 1\)"):
        wrap(TaskType.SCENE_DETECTION, items)


def test_items_are_parsed_once_as_their_analysiss_payload_and_typed_from_then_on() -> None:
    scene = {"scene_index": 0, "start_ms": 0, "end_ms": 2000}
    parsed = answer(TaskType.SCENE_DETECTION, [scene])
    assert type(parsed.items[0]) is SceneV1
    # Parsed already: the typed items go through as they are (the same objects), and dump as before.
    again = InferenceResponse.model_validate(parsed.model_dump() | {"items": parsed.items})
    assert again.items[0] is parsed.items[0] and parsed.model_dump(mode="json")["items"] == [scene]
    # A payload of another analysis is no scene, even where its fields would fit another schema.
    face = FaceDetectionV1(frame_index=0, timestamp_ms=0, confidence=0.9, bbox={"x1": 0, "y1": 0, "x2": 1, "y2": 1})
    with pytest.raises(InvalidPayload, match="SceneV1"):
        answer(TaskType.SCENE_DETECTION, [face])
    with pytest.raises(InvalidPayload, match="ObjectDetectionV1"):  # a face has no label
        answer(TaskType.OBJECT_DETECTION, [face])
    # The contract's schema is the union of the catalogue's payloads.
    union = InferenceResponse.model_json_schema()["properties"]["items"]["items"]["anyOf"]
    assert {ref["$ref"].rsplit("/", 1)[-1] for ref in union} == {a.payload.__name__ for a in CATALOGUE}


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
        items=answer(
            TaskType.OBJECT_DETECTION, [{**item, "timestamp_ms": 80}, {**item, "timestamp_ms": 120, "track_id": 7}]
        ).items,
        provenance=PROVENANCE,
        now=now,
    )
    assert (first.video_id, first.task_id, first.attempt, first.created_at) == (video_id, task_id, 3, now)
    assert first.id != second.id and first.id is not None
    assert first.payload == {**item, "timestamp_ms": 80, "bbox": {"x1": 0.0, "y1": 0.0, "x2": 5.0, "y2": 5.0}}
    assert second.payload["track_id"] == 7 and (second.span_start_ms, second.span_end_ms) == (120, 120)


def test_a_rejected_item_names_the_field_or_the_item_as_a_whole() -> None:
    nested = {"label": "car", "confidence": 0.5, "bbox": {"x1": -1, "y1": 0, "x2": 5, "y2": 5}}
    with pytest.raises(InvalidPayload, match=r"^ObjectDetectionV1 rejected bbox\.x1 \(item 0\): "):
        wrap(TaskType.OBJECT_DETECTION, [{**nested, "frame_index": 0, "timestamp_ms": 0}])
    with pytest.raises(InvalidPayload, match=r"^SceneV1 rejected item \(item 0\): "):
        wrap(TaskType.SCENE_DETECTION, [{"scene_index": 0, "start_ms": 5, "end_ms": 5}])
