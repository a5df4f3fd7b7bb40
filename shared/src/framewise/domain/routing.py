"""Which device class each task type needs, and which queue serves each device class."""

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


DEVICE_CLASS: dict[TaskType, DeviceClass] = {
    TaskType.OBJECT_DETECTION: DeviceClass.GPU,
    TaskType.FACE_DETECTION: DeviceClass.GPU,
    TaskType.TRANSCRIPTION: DeviceClass.GPU,
    TaskType.OCR: DeviceClass.GPU,
    TaskType.PLACE_DETECTION: DeviceClass.GPU,
    TaskType.SCENE_DETECTION: DeviceClass.CPU,
}

QUEUE_OF_CLASS: dict[DeviceClass, QueueName] = {
    DeviceClass.GPU: QueueName.GPU_JOBS,
    DeviceClass.CPU: QueueName.CPU_JOBS,
}


def device_class_of(task_type: TaskType) -> DeviceClass:
    return DEVICE_CLASS[task_type]


def queue_for(task_type: TaskType) -> QueueName:
    """The routing policy: GPU-class work goes to `gpu_jobs`, CPU-class work to `cpu_jobs`."""
    return QUEUE_OF_CLASS[DEVICE_CLASS[task_type]]


def task_types_of(device_class: DeviceClass) -> frozenset[TaskType]:
    return frozenset(t for t, c in DEVICE_CLASS.items() if c is device_class)
