from dataclasses import dataclass, field, replace
from enum import StrEnum

from framewise.application.ports import Clock, JobQueue, MediaLibrary, ModelChecker, UnitOfWork
from framewise.application.results import SelectedTask, TaskSelection
from framewise.contracts.ml import ModelIdentity
from framewise.domain.analysis_settings import AnalysesConfig, SettingsLayer, effective_config, layers_for
from framewise.domain.errors import SettingsUncheckable
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.provenance import Config, Provenance, config_hash
from framewise.domain.routing import TaskType
from framewise.domain.task import JobRequest, TaskStatus

_WHAT_CHANGED = {
    "producer": "another model",
    "producer_version": "another version of its library",
    "model_profile": "another profile",
    "config_hash": "other settings",
    "weights": "other weights",
    "change_threshold": "another change threshold",
}


class Verdict(StrEnum):
    QUEUED = "queued"  # run again (with `dry_run`: would be)
    CURRENT = "current"  # its finished run is what it would run now: left alone
    UNFINISHED = "unfinished"  # never finished a run (FAILED, CANCELLED): left to retry, unless all are asked
    BUSY = "busy"  # PENDING or RUNNING: left alone


@dataclass(frozen=True)
class Reindex:
    """Re-run the tasks `selection` picks: only the stale ones (the model or the effective settings
    differ from their finished run), or all of them. `overrides` are this request's own settings
    per analysis (the strongest layer; the task keeps them). `dry_run` says what it would do."""

    selection: TaskSelection = field(default_factory=TaskSelection)
    folder: str | None = None  # only under this root or folder (absolute, or relative to the first root)
    only_stale: bool = True
    overrides: AnalysesConfig = field(default_factory=dict)
    dry_run: bool = False
    correlation_id: str | None = None


@dataclass(frozen=True)
class ReindexItem:
    task_id: TaskId
    video_id: VideoId
    task_type: TaskType
    status: TaskStatus
    verdict: Verdict
    reasons: list[str]  # why it is stale ("other weights", "other settings"...), empty when it is not
    config: Config  # the config it runs (or would run) with


@dataclass(frozen=True)
class ReindexReport:
    matched: int
    queued: int
    dry_run: bool
    items: list[ReindexItem]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for item in self.items if item.verdict is verdict)


class TaskReindexer:
    """Find what changed and run exactly that again.

    A task is stale when what it would run now (the ML service's answer for its effective settings:
    producer, version, profile, weights, config hash) differs from the finished run readers see.
    Every config is checked before anything changes (a key a model refuses: `InvalidSettings`, and
    nothing is queued). A task queued again keeps its finished run visible and searchable until the
    new run completes and replaces it in one transaction (see the task runner)."""

    def __init__(
        self, uow: UnitOfWork, queue: JobQueue, checker: ModelChecker, library: MediaLibrary, clock: Clock
    ) -> None:
        self._uow, self._queue, self._checker, self._library, self._clock = uow, queue, checker, library, clock

    async def execute(self, command: Reindex) -> ReindexReport:
        if command.folder is not None:  # PathOutsideRoots, or NotFound for no such folder
            root, folder = self._library.locate(command.folder)
            command = replace(command, selection=replace(command.selection, root=root, folder=folder))
        if not command.only_stale:  # "only what changed" is a filter; every task of the library is not
            command.selection.check_scoped()
        async with self._uow:  # read and decide without locks: the ML service may take a while
            layers = await self._uow.settings.all()
            selected = await self._uow.tasks.select(command.selection)
            shown = await self._uow.artifacts.shown_runs([s.task.id for s in selected])
        identities: dict[tuple[TaskType, str], ModelIdentity | None] = {}
        items = [await self._judge(s, layers, shown.get(s.task.id), command, identities) for s in selected]
        wanted = {item.task_id: item for item in items if item.verdict is Verdict.QUEUED}
        if command.dry_run or not wanted:
            return ReindexReport(len(items), len(wanted), command.dry_run, items)
        jobs: list[JobRequest] = []
        now = self._clock.now()
        async with self._uow:
            for chosen in await self._uow.tasks.select(command.selection, for_update=True):
                task, item = chosen.task, wanted.get(chosen.task.id)
                if item is None or not task.is_terminal:  # started meanwhile: its own run goes on
                    continue
                overrides = command.overrides.get(task.task_type)
                jobs.append(task.reindex(item.config, now, command.correlation_id, overrides))
                await self._uow.tasks.save(task)
                await self._uow.artifacts.restart_windows(task.id)
            await self._uow.commit()
        for job in jobs:  # committed first: a push that fails leaves PENDING tasks the reconciler queues
            await self._queue.push(job)
        queued = {job.task_id for job in jobs}
        items = [i if i.task_id in queued or i.verdict is not Verdict.QUEUED else _busy(i) for i in items]
        return ReindexReport(len(items), len(jobs), False, items)

    async def _judge(
        self,
        selected: SelectedTask,
        layers: list[SettingsLayer],
        shown: Provenance | None,
        command: Reindex,
        identities: dict[tuple[TaskType, str], ModelIdentity | None],
    ) -> ReindexItem:
        task = selected.task
        overrides = command.overrides.get(task.task_type, task.overrides)
        applying = layers_for(layers, selected.root, selected.path, task.video_id)
        config = effective_config(task.task_type, applying, overrides).config
        key = (task.task_type, config_hash(config))
        if key not in identities:
            try:
                identities[key] = await self._checker.check_config(task.task_type, config)
            except SettingsUncheckable:
                if command.overrides.get(task.task_type) is not None:
                    raise  # a request's own settings are checked, or refused
                identities[key] = None  # the model is not loaded: judged by the settings alone
        identity = identities[key]
        reasons: list[str] = []
        if shown is not None:
            fields = identity.differences(shown) if identity else ["config_hash"] * (shown.config_hash != key[1])
            reasons = [_WHAT_CHANGED[f] for f in fields]
        if not task.is_terminal:
            verdict = Verdict.BUSY
        elif shown is None:
            verdict = Verdict.UNFINISHED if command.only_stale else Verdict.QUEUED
        else:
            verdict = Verdict.QUEUED if reasons or not command.only_stale else Verdict.CURRENT
        return ReindexItem(task.id, task.video_id, task.task_type, task.status, verdict, reasons, config)


def _busy(item: ReindexItem) -> ReindexItem:
    return ReindexItem(
        item.task_id, item.video_id, item.task_type, item.status, Verdict.BUSY, item.reasons, item.config
    )
