from datetime import UTC, datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from framewise.application.results import Enqueued, Page
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise_api.schemas.pages import PageOut


class TaskOut(BaseModel):
    id: UUID = Field(examples=["4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90"])
    video_id: UUID = Field(examples=["0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c"])
    task_type: TaskType
    status: TaskStatus
    queue: str = Field(examples=["gpu_jobs"])
    attempt: int = Field(examples=[1])
    job_id: str | None = Field(examples=["task:4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90:1"])
    config: dict[str, JsonValue]
    config_hash: str
    progress: float = Field(description="committed media time over the video's duration, per window")
    eta_s: float | None = Field(description="seconds the rest takes at the throughput measured so far")
    error: str | None
    error_kind: ErrorKind | None
    correlation_id: str = Field(examples=["4b6f1c2e9a7d4e0f"])
    created_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    completed_at: datetime | None
    running_time_ms: int | None = Field(description="from start to end, or to now while it runs; null before")
    waiting_reason: str | None = Field(
        description="a PENDING task that cannot start yet: why (the model, and the weights file it lacks); "
        "null once it starts",
        examples=["faces model unavailable: weights faces/mtcnn/pnet.pt missing from the model cache"],
    )
    waiting_since: datetime | None = Field(description="since when it waits for that")

    @classmethod
    def of(cls, task: Task) -> Self:
        running = task.running_time(datetime.now(UTC))
        return cls(
            id=task.id,
            video_id=task.video_id,
            task_type=task.task_type,
            status=task.status,
            queue=task.queue.value,
            attempt=task.attempt,
            job_id=task.job_id,
            config=task.config,
            config_hash=task.config_hash,
            progress=task.progress,
            eta_s=None if task.eta_s is None else round(task.eta_s, 1),
            error=task.error,
            error_kind=task.error_kind,
            correlation_id=task.correlation_id,
            created_at=task.created_at,
            enqueued_at=task.enqueued_at,
            started_at=task.started_at,
            heartbeat_at=task.heartbeat_at,
            completed_at=task.completed_at,
            running_time_ms=None if running is None else int(running.total_seconds() * 1000),
            waiting_reason=task.waiting_reason,
            waiting_since=task.waiting_since,
        )


class TaskPage(PageOut[TaskOut]):
    @classmethod
    def of(cls, page: Page[Task]) -> Self:
        return cls.converted(page, TaskOut.of)


class EnqueueOut(BaseModel):
    task_id: UUID
    job_id: str
    queue: str
    created: bool = Field(description="false when this attempt's job was already on its queue")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task_id": "4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90",
                    "job_id": "task:4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90:1",
                    "queue": "gpu_jobs",
                    "created": True,
                }
            ]
        }
    )

    @classmethod
    def of(cls, result: Enqueued) -> Self:
        return cls(task_id=result.task_id, job_id=result.job_id, queue=result.queue, created=result.created)
