"""Re-index through the real use case and in-memory ports: what is stale runs again, and only that;
a dry run changes nothing; every config is checked before anything changes."""

from datetime import UTC, datetime

import pytest

from framewise.application.results import CommittedWindow, TaskSelection
from framewise.application.use_cases.task_reindexer import Reindex, TaskReindexer, Verdict
from framewise.contracts.ml import ModelIdentity
from framewise.domain.analysis_settings import Scope, SettingsLayer
from framewise.domain.errors import SettingsUncheckable, UnscopedBulkAction
from framewise.domain.provenance import Config, Provenance, config_hash
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, TaskStatus
from framewise.domain.video import FileStat, Video
from tests.fakes import EIGHT_SECONDS, FakeJobQueue, FakeMediaLibrary, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = datetime(2026, 1, 2, tzinfo=UTC)
OCR, SCENES = TaskType.OCR, TaskType.SCENE_DETECTION


class FakeModelChecker:
    """The ML service's answer for a config: the identity a run with it would have, or
    `SettingsUncheckable` for an analysis whose model is not loaded."""

    def __init__(self, weights: str = "w1", unloaded: frozenset[TaskType] = frozenset()) -> None:
        self.weights, self.unloaded = weights, unloaded
        self.checked: list[tuple[TaskType, Config]] = []

    async def check_config(self, task_type: TaskType, config: Config) -> ModelIdentity:
        self.checked.append((task_type, dict(config)))
        if task_type in self.unloaded:
            raise SettingsUncheckable(f"{task_type} is not loaded")
        return ModelIdentity(
            producer=task_type.value,
            producer_version="1",
            model_profile="balanced",
            config_hash=config_hash(config),
            device="cpu",
            weights=self.weights,
        )


def run_of(task: Task, *, weights: str = "w1", config: Config | None = None) -> Provenance:
    return Provenance(
        producer=task.task_type.value,
        producer_version="1",
        model_profile="balanced",
        config_hash=config_hash(task.config if config is None else config),
        input_hash="i",
        run_id=f"run-{task.id}",
        device="gpu",  # another device is not another run
        weights=weights,
    )


class Library:
    """One video at /m/clips/a.mp4 with a task per `statuses` entry, each COMPLETED one with a run."""

    def __init__(self, statuses: dict[TaskType, TaskStatus], *, weights: str = "w1") -> None:
        self.uow, self.queue, self.media = FakeUnitOfWork(), FakeJobQueue(), FakeMediaLibrary()
        self.media.put("/m", "clips/a.mp4")
        video = Video.register(FileStat("/m", "clips/a.mp4", 100, 1.0), "h", EIGHT_SECONDS, None, NOW)
        self.uow.committed.videos[video.id] = video
        self.tasks: dict[TaskType, Task] = {}
        for task_type, status in statuses.items():
            task = Task.create(video_id=video.id, task_type=task_type, config={}, now=NOW, correlation_id="c0")
            task.enqueue(NOW)
            if status is not TaskStatus.PENDING:
                task.start(1, NOW)
            if status is TaskStatus.COMPLETED:
                task.complete(1, NOW)
                self.uow.committed.runs[task.id] = run_of(task, weights=weights)
            elif status is TaskStatus.FAILED:
                task.fail(1, "boom", task.error_kind or "permanent", NOW)  # type: ignore[arg-type]
            self.tasks[task_type] = self.uow.tasks.seed(task)

    def reindexer(self, checker: FakeModelChecker | None = None) -> TaskReindexer:
        self.checker = checker or FakeModelChecker()
        return TaskReindexer(self.uow, self.queue, self.checker, self.media, FixedClock(LATER))

    def stored(self, task_type: TaskType) -> Task:
        return self.uow.committed.tasks[self.tasks[task_type].id]

    def library_layer(self, task_type: TaskType, keys: Config) -> None:
        layer = SettingsLayer(Scope.LIBRARY, {task_type: keys})
        self.uow.committed.settings[layer.key] = layer


async def test_only_the_task_whose_settings_changed_runs_again_with_its_new_config() -> None:
    library = Library({OCR: TaskStatus.COMPLETED, SCENES: TaskStatus.COMPLETED})
    library.library_layer(OCR, {"language": "fr"})
    ocr_id = library.tasks[OCR].id
    library.uow.committed.windows[ocr_id] = {0: CommittedWindow(0, 8000, 1.0, NOW)}  # its finished run's

    report = await library.reindexer().execute(Reindex(correlation_id="re-1"))

    verdicts = {item.task_type: (item.verdict, item.reasons, item.config) for item in report.items}
    assert verdicts == {
        OCR: (Verdict.QUEUED, ["other settings"], {"language": "fr"}),
        SCENES: (Verdict.CURRENT, [], {}),
    }
    assert (report.matched, report.queued, report.dry_run) == (2, 1, False)
    ocr = library.stored(OCR)
    assert (ocr.status, ocr.attempt, ocr.config, ocr.correlation_id) == (
        TaskStatus.PENDING,
        2,
        {"language": "fr"},
        "re-1",
    )
    assert (ocr.config_hash, ocr.enqueued_at) == (config_hash({"language": "fr"}), LATER)
    assert library.stored(SCENES).status is TaskStatus.COMPLETED
    assert [(job.task_id, job.attempt) for job in library.queue.jobs.values()] == [(ocr.id, 2)]
    assert ocr.id not in library.uow.committed.windows  # its windows start again from the first


async def test_other_weights_make_a_run_stale_and_the_device_does_not() -> None:
    library = Library({OCR: TaskStatus.COMPLETED}, weights="w0")

    report = await library.reindexer(FakeModelChecker(weights="w1")).execute(Reindex())

    [item] = report.items
    assert (item.verdict, item.reasons) == (Verdict.QUEUED, ["other weights"])
    assert report.count(Verdict.QUEUED) == 1 and report.count(Verdict.CURRENT) == 0


async def test_a_dry_run_says_what_it_would_do_and_changes_nothing() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    library.library_layer(OCR, {"language": "fr"})
    before = library.stored(OCR)

    report = await library.reindexer().execute(Reindex(dry_run=True))

    assert (report.matched, report.queued, report.dry_run) == (1, 1, True)
    assert report.items[0].verdict is Verdict.QUEUED
    assert vars(library.stored(OCR)) == vars(before) and not library.queue.jobs


async def test_unfinished_and_busy_tasks_are_left_unless_all_are_asked_for() -> None:
    library = Library(
        {OCR: TaskStatus.FAILED, SCENES: TaskStatus.RUNNING, TaskType.FACE_DETECTION: TaskStatus.COMPLETED}
    )

    stale_only = await library.reindexer().execute(Reindex())
    failed = next(i for i in stale_only.items if i.task_type is OCR)
    assert (failed.task_id, failed.video_id, failed.status, failed.reasons) == (
        library.tasks[OCR].id,
        library.tasks[OCR].video_id,
        TaskStatus.FAILED,
        [],
    )
    assert {i.task_type: i.verdict for i in stale_only.items} == {
        OCR: Verdict.UNFINISHED,
        SCENES: Verdict.BUSY,
        TaskType.FACE_DETECTION: Verdict.CURRENT,
    }
    assert stale_only.queued == 0 and not library.queue.jobs

    everything = await library.reindexer().execute(Reindex(selection=TaskSelection(everything=True), only_stale=False))
    assert {i.task_type: i.verdict for i in everything.items} == {
        OCR: Verdict.QUEUED,
        SCENES: Verdict.BUSY,
        TaskType.FACE_DETECTION: Verdict.QUEUED,
    }
    assert everything.queued == 2
    assert library.stored(SCENES).status is TaskStatus.RUNNING


async def test_re_running_every_task_needs_a_filter_or_all_in_so_many_words() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    with pytest.raises(UnscopedBulkAction):
        await library.reindexer().execute(Reindex(only_stale=False))
    scoped = await library.reindexer().execute(
        Reindex(selection=TaskSelection(task_types=frozenset({OCR})), only_stale=False)
    )
    assert scoped.queued == 1


async def test_a_folder_selects_the_tasks_of_the_videos_under_it() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    library.library_layer(OCR, {"language": "fr"})

    elsewhere = await library.reindexer().execute(Reindex(folder="/m/other"))
    under = await library.reindexer().execute(Reindex(folder="/m/clips"))

    assert (elsewhere.matched, under.matched, under.queued) == (0, 1, 1)


async def test_a_requests_own_settings_are_checked_and_kept_by_the_task() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    checker = FakeModelChecker()

    report = await library.reindexer(checker).execute(Reindex(overrides={OCR: {"language": "de", "beam": None}}))

    assert report.items[0].config == {"language": "de"}
    assert checker.checked == [(OCR, {"language": "de"})]
    ocr = library.stored(OCR)
    assert (ocr.overrides, ocr.config) == ({"language": "de", "beam": None}, {"language": "de"})
    again = await library.reindexer().execute(Reindex(dry_run=True, selection=TaskSelection(everything=True)))
    assert again.items[0].config == {"language": "de"}  # the task's own overrides stay its strongest layer


async def test_a_model_that_is_not_loaded_is_judged_by_the_settings_alone_unless_the_request_set_some() -> None:
    library = Library({OCR: TaskStatus.COMPLETED, SCENES: TaskStatus.COMPLETED})
    library.library_layer(OCR, {"language": "fr"})
    unloaded = FakeModelChecker(unloaded=frozenset({OCR, SCENES}))

    report = await library.reindexer(unloaded).execute(Reindex(dry_run=True))

    assert {i.task_type: (i.verdict, i.reasons) for i in report.items} == {
        OCR: (Verdict.QUEUED, ["other settings"]),
        SCENES: (Verdict.CURRENT, []),
    }
    with pytest.raises(SettingsUncheckable):
        await library.reindexer(unloaded).execute(Reindex(overrides={OCR: {"language": "de"}}))
    assert library.stored(OCR).status is TaskStatus.COMPLETED


async def test_each_config_is_checked_once_however_many_tasks_share_it() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    second = Library({OCR: TaskStatus.COMPLETED})
    library.uow.committed.videos.update(second.uow.committed.videos)
    library.uow.committed.tasks.update(second.uow.committed.tasks)
    library.uow.committed.runs.update(second.uow.committed.runs)
    checker = FakeModelChecker()

    report = await library.reindexer(checker).execute(Reindex())

    assert report.matched == 2 and checker.checked == [(OCR, {})]


async def test_a_task_that_started_meanwhile_is_reported_busy_and_not_queued() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    library.library_layer(OCR, {"language": "fr"})
    reindexer = library.reindexer()
    checker = library.checker
    task_id = library.tasks[OCR].id

    class RetriedWhileJudging(FakeModelChecker):
        async def check_config(self, task_type: TaskType, config: Config) -> ModelIdentity:
            stored = library.uow.committed.tasks[task_id]
            stored.reindex(stored.config, NOW)  # another re-index queued it while the ML service answered
            return await checker.check_config(task_type, config)

    reindexer._checker = RetriedWhileJudging()  # type: ignore[attr-defined]
    report = await reindexer.execute(Reindex())

    [item] = report.items
    assert (report.queued, item.verdict, item.task_id, item.video_id) == (
        0,
        Verdict.BUSY,
        task_id,
        library.tasks[OCR].video_id,
    )
    assert (item.task_type, item.status, item.reasons, item.config) == (
        OCR,
        TaskStatus.COMPLETED,
        ["other settings"],
        {"language": "fr"},
    )
    assert library.stored(OCR).attempt == 2 and library.stored(OCR).config == {}


async def test_the_layers_of_the_tasks_own_folder_and_video_decide_what_is_stale() -> None:
    library = Library({OCR: TaskStatus.COMPLETED, SCENES: TaskStatus.COMPLETED})
    video_id = library.tasks[OCR].video_id
    for layer in (
        SettingsLayer(Scope.FOLDER, {OCR: {"language": "fr"}}, root="/m", folder="clips"),
        SettingsLayer(Scope.FOLDER, {OCR: {"language": "de"}}, root="/m", folder="other"),
        SettingsLayer(Scope.FOLDER, {OCR: {"language": "it"}}, root="/n", folder="clips"),
        SettingsLayer(Scope.VIDEO, {SCENES: {"threshold": 30}}, video_id=video_id),
    ):
        library.uow.committed.settings[layer.key] = layer

    report = await library.reindexer().execute(Reindex(dry_run=True))

    assert {i.task_type: (i.verdict, i.config) for i in report.items} == {
        OCR: (Verdict.QUEUED, {"language": "fr"}),
        SCENES: (Verdict.QUEUED, {"threshold": 30}),
    }


async def test_a_folder_of_one_root_does_not_select_the_same_folder_under_another() -> None:
    library = Library({OCR: TaskStatus.COMPLETED})
    library.media.put("/n", "clips/b.mp4")
    other = Video.register(FileStat("/n", "clips/b.mp4", 100, 1.0), "h2", EIGHT_SECONDS, None, NOW)
    library.uow.committed.videos[other.id] = other
    task = Task.create(video_id=other.id, task_type=OCR, config={}, now=NOW, correlation_id="c0")
    task.enqueue(NOW)
    task.start(1, NOW)
    task.complete(1, NOW)
    library.uow.tasks.seed(task)

    report = await library.reindexer().execute(Reindex(folder="/m/clips", only_stale=False, dry_run=True))

    assert [i.video_id for i in report.items] == [library.tasks[OCR].video_id]
