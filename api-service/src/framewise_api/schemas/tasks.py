from datetime import UTC, datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field, JsonValue

from framewise.application.results import Enqueued, Page
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise_api.schemas.pages import PageOut


class TaskOut(BaseModel):
    id: UUID
    video_id: UUID
    task_type: TaskType
    status: TaskStatus
    queue: str
    attempt: int
    job_id: str | None
    config: dict[str, JsonValue]
    config_hash: str
    progress: float = Field(description="committed media time over the video's duration, per window")
    eta_s: float | None = Field(description="seconds the rest takes at the throughput measured so far")
    error: str | None
    error_kind: ErrorKind | None
    correlation_id: str
    created_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    completed_at: datetime | None
    running_time_ms: int | None = Field(description="from start to end, or to now while it runs; null before")

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
        )


class TaskPage(PageOut[TaskOut]):
    @classmethod
    def of(cls, page: Page[Task]) -> Self:
        return cls.converted(page, TaskOut.of)


class EnqueueOut(BaseModel):
    task_id: UUID
    job_id: str
    queue: str
    created: bool

    @classmethod
    def of(cls, result: Enqueued) -> Self:
        return cls(task_id=result.task_id, job_id=result.job_id, queue=result.queue, created=result.created)
