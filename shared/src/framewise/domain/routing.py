"""Task types, device classes, and which queue serves each device class (the catalogue says which
device class each analysis needs)."""

from enum import StrEnum


class TaskType(StrEnum):
    OBJECT_DETECTION = "object_detection"
    FACE_DETECTION = "face_detection"
    TRANSCRIPTION = "transcription"
    OCR = "ocr"
    PLACE_DETECTION = "place_detection"
    SCENE_DETECTION = "scene_detection"


class DeviceClass(StrEnum):
    GPU = "gpu"
    CPU = "cpu"


class QueueName(StrEnum):
    GPU_JOBS = "gpu_jobs"
    CPU_JOBS = "cpu_jobs"


QUEUE_OF_CLASS: dict[DeviceClass, QueueName] = {
    DeviceClass.GPU: QueueName.GPU_JOBS,
    DeviceClass.CPU: QueueName.CPU_JOBS,
}
