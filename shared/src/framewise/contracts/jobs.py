"""The contract of the queues between the API (and the reconciler) and the workers: one job per
task attempt, named `task:{task_id}:{attempt}`, carrying ids and the task type, never payloads; and
the re-grouping of the library's faces."""

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from framewise.domain.routing import TaskType
from framewise.domain.task import JobRequest

RUN_TASK = "run_task"
# The library's re-grouping of faces: one job, no arguments, on the CPU queue, under one fixed id so
# that arq keeps at most one waiting or running.
REGROUP_PERSONS = "regroup_persons"
REGROUP_JOB_ID = "persons:regroup"
_POSITIONAL = ("task_id", "attempt", "correlation_id", "task_type")


class RunTaskJob(BaseModel):
    """The arguments of a `run_task` job. The task type travels with it, so a worker knows whether
    the analysis can run before it opens a transaction; a job queued before it did names none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: UUID
    attempt: Annotated[int, Field(ge=1)]
    correlation_id: Annotated[str, Field(max_length=200)]
    task_type: TaskType | None = None

    @classmethod
    def of(cls, job: JobRequest) -> "RunTaskJob":
        return cls(task_id=job.task_id, attempt=job.attempt, correlation_id=job.correlation_id, task_type=job.task_type)

    @classmethod
    def parse(cls, args: Sequence[Any], kwargs: dict[str, Any]) -> "RunTaskJob":
        """From what arq hands the job function: keywords, or (older jobs) positional arguments."""
        return cls.model_validate({**dict(zip(_POSITIONAL, args, strict=False)), **kwargs})

    def arguments(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
