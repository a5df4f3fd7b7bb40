"""The contract between the worker and the ML service: requests, responses, timings (SPEC S6.1)."""

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from framewise.domain.provenance import Config, Provenance
from framewise.domain.routing import TaskType

CORRELATION_HEADER = "X-Correlation-ID"
ML_RESULT_TTL_S = 1800  # how long the ML service keeps a finished result for its worker (SPEC S6.5)


def ml_result_key(task_id: object) -> str:
    """The Valkey key under which the ML service keeps a task's finished result."""
    return f"ml_result:{task_id}"


ENDPOINT_OF: dict[TaskType, str] = {
    TaskType.OBJECT_DETECTION: "objects",
    TaskType.FACE_DETECTION: "faces",
    TaskType.TRANSCRIPTION: "transcribe",
    TaskType.OCR: "ocr",
    TaskType.PLACE_DETECTION: "places",
    TaskType.SCENE_DETECTION: "scenes",
}


class InferenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_path: Annotated[str, Field(min_length=1, description="absolute path inside an allowed media root")]
    task_id: str | None = None
    start_ms: Annotated[int, Field(ge=0)] | None = None
    end_ms: Annotated[int, Field(gt=0)] | None = None
    config: Config = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ValueError("end_ms must be after start_ms")
        return self


class Timings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue_wait_ms: Annotated[float, Field(ge=0)]
    decode_ms: Annotated[float, Field(ge=0)]
    inference_ms: Annotated[float, Field(ge=0)]
    total_ms: Annotated[float, Field(ge=0)]


class InferenceResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_type: TaskType
    items: list[JsonValue]
    provenance: Provenance
    timings: Timings
