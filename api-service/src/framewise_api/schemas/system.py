from collections import Counter
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from framewise.application.results import MlServiceStatus, ModelReload, SystemReport
from framewise.domain.routing import TaskType
from framewise.domain.task import TaskStatus


class MlModelOut(BaseModel):
    """One analysis's model as the ML service reports it."""

    model_config = ConfigDict(extra="ignore")

    state: str = Field(description="ready, loading or failed")
    reason: str | None = Field(None, description="why it is not ready: names the missing weights file(s)")
    missing: list[str] = Field([], description="weights files it lacks, relative to the model cache")
    producer: str | None = None
    version: str | None = None
    weights: str | None = Field(None, description="the identity of the loaded weights")
    selected_by: str | None = Field(None, description="why this model serves its analysis, where there is a choice")
    load_ms: float | None = None


class GateOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    concurrency: int
    running: int
    waiting: int
    queue_limit: int | None = None


def _models(raw: dict[str, dict[str, JsonValue]]) -> dict[str, MlModelOut]:
    models = {}
    for name, body in raw.items():
        try:
            models[name] = MlModelOut.model_validate(body)
        except ValidationError:
            models[name] = MlModelOut(state="unknown", reason="the ML service describes it in a form not understood")
    return models


class MlOut(BaseModel):
    reachable: bool
    status: str = Field(description="healthy, degraded, unhealthy; or unreachable, not-configured")
    detail: str | None = Field(description="why the ML service could not be asked")
    device: dict[str, JsonValue] | None
    models: dict[str, MlModelOut]
    gate: GateOut | None

    @classmethod
    def of(cls, ml: MlServiceStatus) -> Self:
        gate: GateOut | None = None
        if ml.gate is not None:
            try:
                gate = GateOut.model_validate(ml.gate)
            except ValidationError:
                gate = None
        return cls(
            reachable=ml.reachable,
            status=ml.status,
            detail=ml.detail,
            device=ml.device,
            models=_models(ml.models),
            gate=gate,
        )


class QueueOut(BaseModel):
    queue: str
    jobs: int = Field(description="every job on the queue, deferred ones included")
    ready: int = Field(description="the jobs that may run now")


class TasksOut(BaseModel):
    total: int
    waiting: int = Field(description="PENDING tasks waiting for their model (see each task's waiting_reason)")
    by_status: dict[TaskStatus, int]
    by_type: dict[TaskType, dict[TaskStatus, int]]


class LocalServiceOut(BaseModel):
    """One service that `make run` supervises on this machine."""

    name: str = Field(description="ml, worker-gpu, worker-cpu or api")
    state: str = Field(description="running, restarting (after a crash, once its backoff passes), down, stopped")
    pid: int | None = Field(description="its process id while it runs")
    restarts: int = Field(description="how many times it was started again after exiting on its own")
    last_exit_code: int | None = Field(description="how it last exited: an exit code, or minus the killing signal")
    last_exit: str | None = Field(description='the same in words: "exit code 1", "killed by SIGKILL"')
    reason: str | None = Field(None, description="why it is down: its last exit and how often it crashed")
    log: str | None = Field(None, description="its log file, on the machine that runs it")


class SystemOut(BaseModel):
    ml: MlOut
    queues: list[QueueOut]
    tasks: TasksOut
    services: list[LocalServiceOut] = Field(
        description="the local services when `make run` supervises this API (empty otherwise)"
    )

    @classmethod
    def of(cls, report: SystemReport) -> Self:
        by_status: Counter[TaskStatus] = Counter()
        by_type: dict[TaskType, dict[TaskStatus, int]] = {}
        for count in report.tasks:
            by_status[count.status] += count.count
            by_type.setdefault(count.task_type, {})[count.status] = count.count
        return cls(
            ml=MlOut.of(report.ml),
            queues=[QueueOut(queue=q.queue, jobs=q.jobs, ready=q.ready) for q in report.queues],
            tasks=TasksOut(
                total=sum(by_status.values()),
                waiting=sum(c.waiting for c in report.tasks),
                by_status={s: by_status[s] for s in TaskStatus},
                by_type=by_type,
            ),
            services=[LocalServiceOut.model_validate(s, from_attributes=True) for s in report.services],
        )


class ModelChangeOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    changed: bool = Field(description="a model loaded, or another one now serves the analysis")
    before: dict[str, Any]
    after: dict[str, Any]


class ReloadOut(BaseModel):
    changes: list[ModelChangeOut]
    models: dict[str, MlModelOut]

    @classmethod
    def of(cls, reload: ModelReload) -> Self:
        changes = []
        for change in reload.changes:
            try:
                changes.append(ModelChangeOut.model_validate(change))
            except ValidationError:
                continue
        return cls(changes=changes, models=_models(reload.models))
