"""The contract between the worker and the ML service: requests, responses, timings, the kinds of
problem the ML service answers, and the key of a kept result.

`POST /infer/{endpoint}` (the endpoints are in the catalogue of analyses) takes an
`InferenceRequest` and answers an `InferenceResponse`, or a problem document whose `type` ends in
one of the `MlProblem` kinds below; the worker decides from the kind whether to retry, wait or fail.
"""

from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from framewise.domain.analyses import AnyPayload, analysis_of
from framewise.domain.artifact import validate_payload
from framewise.domain.payloads import Payload
from framewise.domain.provenance import Config, Provenance
from framewise.domain.routing import TaskType

CORRELATION_HEADER = "X-Correlation-ID"
ML_RESULT_TTL_S = 1800  # how long the ML service keeps a finished result for its worker


class MlProblem(StrEnum):
    """The last segment of the `type` of each problem document `/infer/*` answers."""

    MODEL_UNAVAILABLE = "model-unavailable"  # 503: no working model; wait for it, spend no try
    BUSY = "busy"  # 503: the line of waiting requests is full; wait your turn, spend no try
    INVALID_PAYLOAD = "invalid-payload"  # 500: the model produced an item its schema rejects; no retry
    INFERENCE_FAILED = "inference-failed"  # 500: the model failed on this input; worth a retry
    CLIENT_CLOSED = "client-closed"  # 499: the caller went away; nobody reads it


def ml_result_key(task_id: UUID, attempt: int) -> str:
    """The Valkey key under which the ML service keeps the finished result of one job (a task's
    attempt): an answer is never found under another job's name."""
    return f"ml_result:{task_id}:{attempt}"


class InferenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_path: Annotated[
        str,
        Field(
            min_length=1,
            max_length=4096,
            pattern=r"^[^\x00]+$",
            description="absolute path inside an allowed media root (no NUL byte, at most 4096 characters)",
        ),
    ]
    task_id: UUID | None = Field(None, description="the task this job runs for; with `attempt`, the result is kept")
    attempt: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    start_ms: Annotated[int, Field(ge=0)] | None = None
    end_ms: Annotated[int, Field(gt=0)] | None = None
    config: Config = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ValueError("end_ms must be after start_ms")
        if (self.task_id is None) != (self.attempt is None):
            raise ValueError("task_id and attempt go together: a kept result belongs to one job")
        return self


class ConfigCheckRequest(BaseModel):
    """`POST /configs/{endpoint}`: would this config run, and on what?"""

    model_config = ConfigDict(extra="forbid")

    config: Config = Field(default_factory=dict)


class ModelIdentity(BaseModel):
    """What a config runs on (`POST /configs/{endpoint}` answers it): the provenance a run with it
    would have, less the input and the run. A stored run differs from it when its weights, its
    producer, its profile or its config changed since: the run is stale."""

    model_config = ConfigDict(extra="forbid")

    producer: str
    producer_version: str
    model_profile: str
    config_hash: str
    device: str
    weights: str
    change_threshold: float | None = None

    @classmethod
    def of(cls, provenance: Provenance) -> Self:
        return cls(**provenance.model_dump(include=set(cls.model_fields)))

    def differences(self, run: Provenance) -> list[str]:
        """The fields in which `run` differs from this identity (empty: the run is current).
        The device is not one: the same weights give the same results on a CPU or a GPU."""
        return [f for f in type(self).model_fields if f != "device" and getattr(run, f) != getattr(self, f)]


class Timings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue_wait_ms: Annotated[float, Field(ge=0)]
    decode_ms: Annotated[float, Field(ge=0)]
    inference_ms: Annotated[float, Field(ge=0)]
    total_ms: Annotated[float, Field(ge=0)]


class InferenceResponse(BaseModel):
    """The answer, and the question it answers: a kept result is reused only for the very same
    job, window, config and input (the provenance carries the config and input hashes).

    `items` is the union of the payload schemas, discriminated by the analysis (`task_type`): each
    item is parsed as its analysis's payload once, where the answer enters a process (the ML service
    building it, the worker reading it, a kept result read back), and is typed from then on. An item
    its schema rejects raises `InvalidPayload` naming the schema, the item and the field."""

    model_config = ConfigDict(extra="forbid")

    task_type: TaskType
    items: list[AnyPayload]
    provenance: Provenance
    timings: Timings
    task_id: UUID | None = None
    attempt: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _items_of_its_analysis(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            return data  # the fields' own errors say what is wrong
        try:
            task_type = TaskType(str(data.get("task_type")))
        except ValueError:
            return data
        schema = analysis_of(task_type).payload
        items = [item if type(item) is schema else _parsed(task_type, i, item) for i, item in enumerate(data["items"])]
        return {**data, "items": items}

    def answers(self, task_type: TaskType, request: InferenceRequest, input_hash: str, config_hash: str) -> bool:
        return (
            self.task_type == task_type
            and self.task_id == request.task_id
            and self.attempt == request.attempt
            and self.start_ms == request.start_ms
            and self.end_ms == request.end_ms
            and self.provenance.input_hash == input_hash
            and self.provenance.config_hash == config_hash
        )


def _parsed(task_type: TaskType, index: int, item: Any) -> Payload:
    if isinstance(item, Payload):  # a payload of another analysis
        item = item.model_dump(mode="json", exclude_none=True)
    return validate_payload(task_type, item, f"item {index}")
