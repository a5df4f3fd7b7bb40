"""The catalogue of analyses: one row per analysis names everything that goes with it.

A task type is what the API lists and queues; its row says which ML endpoint (and model, which
goes by the same name) answers it, which artifact type and payload schema its items are, what search
calls its moments, and which device class (hence queue) runs it. Nothing else maps one of these names
to another.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from pydantic import JsonValue

from framewise.domain.payloads import (
    ArtifactType,
    FaceDetectionV1,
    MomentType,
    ObjectDetectionV1,
    OCRDetectionV1,
    Payload,
    PlaceClassificationV1,
    SceneV1,
    TranscriptSegmentV1,
)
from framewise.domain.routing import QUEUE_OF_CLASS, DeviceClass, QueueName, TaskType
from framewise.domain.windows import Stitching


@dataclass(frozen=True)
class Analysis:
    task_type: TaskType
    endpoint: str  # POST /infer/{endpoint} on the ML service; the ML service's model has this name
    artifact_type: ArtifactType
    moment_type: MomentType  # what its moments are, in search
    payload: type[Payload]  # the schema every item of its answers must pass
    device_class: DeviceClass
    stitching: Stitching  # how its windows join into one pass (framewise.domain.windows)
    interval_ms: int | None = None  # a frame analysis's sampling interval when its config names none

    @property
    def queue(self) -> QueueName:
        return QUEUE_OF_CLASS[self.device_class]

    def grid_ms(self, config: Mapping[str, JsonValue]) -> int:
        """The sampling interval its windows must start on (1 ms for the analyses that do not sample)."""
        if self.interval_ms is None:
            return 1
        value = config.get("interval_ms", self.interval_ms)
        return value if isinstance(value, int) and value > 0 else self.interval_ms


_GPU, _CPU = DeviceClass.GPU, DeviceClass.CPU
_FRAMES, _SPEECH, _CUTS = Stitching.FRAMES, Stitching.SPEECH, Stitching.CUTS
CATALOGUE: tuple[Analysis, ...] = (
    Analysis(
        TaskType.OBJECT_DETECTION,
        "objects",
        ArtifactType.OBJECT,
        MomentType.OBJECT,
        ObjectDetectionV1,
        _GPU,
        _FRAMES,
        1000,
    ),
    Analysis(
        TaskType.FACE_DETECTION, "faces", ArtifactType.FACE, MomentType.FACE, FaceDetectionV1, _GPU, _FRAMES, 1000
    ),
    Analysis(
        TaskType.TRANSCRIPTION,
        "transcribe",
        ArtifactType.TRANSCRIPT_SEGMENT,
        MomentType.TRANSCRIPT,
        TranscriptSegmentV1,
        _GPU,
        _SPEECH,
    ),
    Analysis(TaskType.OCR, "ocr", ArtifactType.OCR_TEXT, MomentType.OCR, OCRDetectionV1, _GPU, _FRAMES, 1000),
    Analysis(
        TaskType.PLACE_DETECTION,
        "places",
        ArtifactType.PLACE,
        MomentType.PLACE,
        PlaceClassificationV1,
        _GPU,
        _FRAMES,
        2000,
    ),
    Analysis(TaskType.SCENE_DETECTION, "scenes", ArtifactType.SCENE, MomentType.SCENE, SceneV1, _CPU, _CUTS),
)

_BY_TASK_TYPE = {a.task_type: a for a in CATALOGUE}
_BY_ARTIFACT_TYPE = {a.artifact_type: a for a in CATALOGUE}


if TYPE_CHECKING:
    AnyPayload = Payload
else:  # the union of every analysis's payload schema, as the catalogue lists them
    AnyPayload = Union[tuple(a.payload for a in CATALOGUE)]  # noqa: UP007 - built from the catalogue


def analysis_of(task_type: TaskType) -> Analysis:
    return _BY_TASK_TYPE[task_type]


def analysis_producing(artifact_type: ArtifactType) -> Analysis:
    return _BY_ARTIFACT_TYPE[artifact_type]
