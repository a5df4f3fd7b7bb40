"""The catalogue of analyses: one row per analysis names everything that goes with it.

A task type is what the API lists and queues; its row says which ML endpoint (and model, which
goes by the same name) answers it, which artifact type and payload schema its items are, and which
device class (hence queue) runs it. Nothing else maps one of these names to another.
"""

from dataclasses import dataclass

from framewise.domain.payloads import (
    ArtifactType,
    FaceDetectionV1,
    ObjectDetectionV1,
    OCRDetectionV1,
    Payload,
    PlaceClassificationV1,
    SceneV1,
    TranscriptSegmentV1,
)
from framewise.domain.routing import QUEUE_OF_CLASS, DeviceClass, QueueName, TaskType


@dataclass(frozen=True)
class Analysis:
    task_type: TaskType
    endpoint: str  # POST /infer/{endpoint} on the ML service; the ML service's model has this name
    artifact_type: ArtifactType
    payload: type[Payload]  # the schema every item of its answers must pass
    device_class: DeviceClass

    @property
    def queue(self) -> QueueName:
        return QUEUE_OF_CLASS[self.device_class]


CATALOGUE: tuple[Analysis, ...] = (
    Analysis(TaskType.OBJECT_DETECTION, "objects", ArtifactType.OBJECT, ObjectDetectionV1, DeviceClass.GPU),
    Analysis(TaskType.FACE_DETECTION, "faces", ArtifactType.FACE, FaceDetectionV1, DeviceClass.GPU),
    Analysis(
        TaskType.TRANSCRIPTION, "transcribe", ArtifactType.TRANSCRIPT_SEGMENT, TranscriptSegmentV1, DeviceClass.GPU
    ),
    Analysis(TaskType.OCR, "ocr", ArtifactType.OCR_TEXT, OCRDetectionV1, DeviceClass.GPU),
    Analysis(TaskType.PLACE_DETECTION, "places", ArtifactType.PLACE, PlaceClassificationV1, DeviceClass.GPU),
    Analysis(TaskType.SCENE_DETECTION, "scenes", ArtifactType.SCENE, SceneV1, DeviceClass.CPU),
)

_BY_TASK_TYPE = {a.task_type: a for a in CATALOGUE}


def analysis_of(task_type: TaskType) -> Analysis:
    return _BY_TASK_TYPE[task_type]
