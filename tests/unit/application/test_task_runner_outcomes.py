"""What the task runner records and reports for each outcome, through the real use case and in-memory
ports: the error a failed or deferred try carries, when a task failed, the backoff of each try, and
the progress and time left of a windowed run."""

import random
from datetime import timedelta

import pytest

from framewise.application.results import Availability, MlBusy, MlPermanentError, MlTransientError, RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.contracts.ml import InferenceRequest, InferenceResponse, Timings
from framewise.domain.provenance import Provenance, config_hash
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise.domain.video import FileStat, MediaInfo, Video
from framewise.domain.windows import WindowSizes
from tests.fakes import FakeHeartbeats, FakeMediaLibrary, FakeMlClient, FakeMlResultCache, FakeUnitOfWork, FixedClock
from tests.property.test_windows import WindowedScenes, queued_scenes_of_ten_seconds
from tests.unit.application.test_task_runner import NOW, seeded

pytestmark = pytest.mark.unit
LATER = NOW + timedelta(minutes=3)


def runner(
    uow: FakeUnitOfWork, ml: object, clock: FixedClock, policy: RetryPolicy, **windows: WindowSizes
) -> TaskRunner:
    return TaskRunner(
        uow,
        ml,
        FakeMlResultCache(),
        FakeMediaLibrary(),
        clock,
        FakeHeartbeats(uow),
        policy,
        **windows,  # type: ignore[arg-type]
    )


@pytest.fixture
def highest_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backoff draws its ceiling, so each delay says which try it was computed for."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)


async def test_each_transient_failure_reports_its_try_and_error_and_the_last_fails_the_task_then(
    highest_draw: None,
) -> None:
    uow, clock = FakeUnitOfWork(), FixedClock(NOW)
    task = seeded(uow)
    ml = FakeMlClient(*[MlTransientError("connection refused") for _ in range(3)])
    use_case = runner(uow, ml, clock, RetryPolicy(tries_per_attempt=3))

    reports = []
    for _ in range(3):
        reports.append(await use_case.execute(RunTask(task.id, 1)))
        if len(reports) == 1:
            assert uow.committed.tasks[task.id].error == "connection refused"  # shown while it waits to retry
        clock.current = LATER

    assert [(r.outcome, r.tries, r.retry_in_s) for r in reports] == [
        (RunOutcome.RETRY, 1, 2.0),  # the first try's ceiling: the base
        (RunOutcome.RETRY, 2, 4.0),  # then it doubles
        (RunOutcome.FAILED, 3, 0.0),
    ]
    assert [r.error for r in reports] == ["connection refused"] * 2 + ["gave up after 3 tries: connection refused"]
    stored = uow.committed.tasks[task.id]
    assert (stored.error, stored.error_kind, stored.completed_at) == (reports[2].error, ErrorKind.TRANSIENT, LATER)


async def test_without_a_retry_after_the_backoff_alone_sets_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    uow = FakeUnitOfWork()
    task = seeded(uow)
    ml = FakeMlClient(MlTransientError("reset"))
    report = await runner(uow, ml, FixedClock(NOW), RetryPolicy(try_backoff_s=0.5)).execute(RunTask(task.id, 1))
    assert (report.outcome, report.retry_in_s) == (RunOutcome.RETRY, 0.25)


async def test_a_permanent_failure_records_its_error_and_when() -> None:
    uow = FakeUnitOfWork()
    task = seeded(uow)
    ml = FakeMlClient(MlPermanentError("ML service answered 422: bad-media"))
    report = await runner(uow, ml, FixedClock(LATER), RetryPolicy()).execute(RunTask(task.id, 1))
    stored = uow.committed.tasks[task.id]
    assert report.error == stored.error == "ML service answered 422: bad-media"
    assert (stored.error_kind, stored.completed_at) == (ErrorKind.PERMANENT, LATER)


async def test_a_deferred_run_says_why() -> None:
    uow = FakeUnitOfWork()
    task = seeded(uow)
    busy = FakeMlClient(MlBusy("ML service answered 503: the queue is full", retry_after=7))
    report = await runner(uow, busy, FixedClock(NOW), RetryPolicy()).execute(RunTask(task.id, 1))
    assert (report.outcome, report.error) == (RunOutcome.DEFERRED, "ML service answered 503: the queue is full")

    uow2 = FakeUnitOfWork()
    other = seeded(uow2)
    away = FakeMlClient(available=False)
    waiting = await runner(uow2, away, FixedClock(NOW), RetryPolicy()).execute(RunTask(other.id, 1))
    assert waiting.outcome is RunOutcome.DEFERRED
    assert waiting.error == waiting.waiting_reason and waiting.error


async def test_a_windowed_run_reports_the_media_done_and_the_rest_at_the_pace_of_this_attempt() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock(NOW)
    task = queued_scenes_of_ten_seconds(uow)
    use_case = runner(uow, WindowedScenes(set()), clock, RetryPolicy(), windows=WindowSizes(2500))

    seen = []
    for _ in range(4):
        await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))
        stored = uow.committed.tasks[task.id]
        seen.append((stored.progress, None if stored.eta_s is None else round(stored.eta_s, 3)))
        clock.advance(10)  # each window commits 10 s of wall time after the one before

    # The attempt started with the first window, committed in no time: no pace yet. Then 5 s of media in
    # 10 s leave 5 s (10 s), and 7.5 s in 20 s leave 2.5 s (6.667 s); the last window completes it.
    assert seen == [(0.25, None), (0.5, 10.0), (0.75, 6.667), (1.0, None)]


class ScenesWhoseModelChanges(WindowedScenes):
    """Answers with weights `w1` until call `changes_at`, then with `w2` (a model reloaded mid-run)."""

    def __init__(self, changes_at: int) -> None:
        super().__init__(set())
        self.changes_at = changes_at

    async def infer(self, task_type: TaskType, request: InferenceRequest, *, correlation_id: str) -> InferenceResponse:
        answer = await super().infer(task_type, request, correlation_id=correlation_id)
        weights = "w2" if self.calls >= self.changes_at else "w1"
        return answer.model_copy(update={"provenance": answer.provenance.model_copy(update={"weights": weights})})


async def test_a_model_that_changes_mid_run_makes_the_run_start_over_as_one_run_of_the_new_model() -> None:
    uow = FakeUnitOfWork()
    task = queued_scenes_of_ten_seconds(uow)
    use_case = runner(uow, ScenesWhoseModelChanges(3), FixedClock(NOW), RetryPolicy(), windows=WindowSizes(5000))

    first = await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))
    assert (first.outcome, uow.committed.tasks[task.id].progress) == (RunOutcome.CONTINUE, 0.5)
    await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))  # call 2: still w1, completes
    assert uow.committed.tasks[task.id].progress == 1.0

    reindexed = uow.committed.tasks[task.id]
    reindexed.reindex({}, NOW)
    uow.committed.windows.pop(task.id, None)
    outcomes = []
    while not uow.committed.tasks[task.id].is_terminal:  # call 3 on: w2, a new run from the first window
        outcomes.append((await use_case.execute(RunTask(task.id, 2, TaskType.SCENE_DETECTION))).outcome)
        assert len(outcomes) < 10
    assert outcomes == [RunOutcome.CONTINUE, RunOutcome.COMPLETED]
    assert {a.provenance.weights for a in uow.committed.artifacts[task.id]} == {"w2"}


async def test_windows_of_another_model_are_dropped_and_the_run_starts_over() -> None:
    uow = FakeUnitOfWork()
    task = queued_scenes_of_ten_seconds(uow)
    use_case = runner(uow, ScenesWhoseModelChanges(2), FixedClock(NOW), RetryPolicy(), windows=WindowSizes(2500))

    reports = [await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION)) for _ in range(2)]

    assert [r.outcome for r in reports] == [RunOutcome.CONTINUE, RunOutcome.CONTINUE]
    assert reports[1].error == "the model or the windows changed: starting over"
    stored = uow.committed.tasks[task.id]
    assert (stored.progress, uow.committed.windows.get(task.id)) == (0.0, None)
    while not uow.committed.tasks[task.id].is_terminal:
        await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))
    assert {a.provenance.weights for a in uow.committed.artifacts[task.id]} == {"w2"}
    assert sorted(uow.committed.windows[task.id]) == [0, 1, 2, 3]


class Speech:
    """An ML client transcribing a 10 s video that says one word a second (`w0` at 0-400 ms, `w1` at
    1000-1400 ms...), each in a segment of its own, for whatever span it is asked."""

    def __init__(self) -> None:
        self.spans: list[tuple[int | None, int | None]] = []

    async def is_available(self, task_type: TaskType) -> Availability:
        return Availability()

    async def infer(self, task_type: TaskType, request: InferenceRequest, *, correlation_id: str) -> InferenceResponse:
        self.spans.append((request.start_ms, request.end_ms))
        start, end = request.start_ms or 0, request.end_ms or 10_000
        items = [
            {
                "text": f"w{i}",
                "start_ms": i * 1000,
                "end_ms": i * 1000 + 400,
                "language": "en",
                "words": [{"word": f"w{i}", "start_ms": i * 1000, "end_ms": i * 1000 + 400}],
            }
            for i in range(10)
            if start <= i * 1000 < end
        ]
        provenance = Provenance(
            producer="whisper",
            producer_version="1",
            model_profile="base",
            config_hash=config_hash({}),
            input_hash="fp:a",
            run_id="speech",
            device="cpu",
            weights="w",
        )
        timings = Timings(queue_wait_ms=0, decode_ms=0, inference_ms=1, total_ms=1)
        return InferenceResponse(task_type=task_type, items=items, provenance=provenance, timings=timings)


async def test_a_transcript_in_windows_asked_with_context_keeps_each_word_once() -> None:
    uow = FakeUnitOfWork()
    video = Video.register(FileStat("/m", "a.mp4", 10, 1.0), "fp:a", MediaInfo(10_000, 25, 32, 32, True), None, NOW)
    uow.committed.videos[video.id] = video
    task = Task.create(video_id=video.id, task_type=TaskType.TRANSCRIPTION, config={}, now=NOW, correlation_id="c")
    task.enqueue(NOW)
    uow.tasks.seed(task)
    ml = Speech()
    use_case = runner(uow, ml, FixedClock(NOW), RetryPolicy(), windows=WindowSizes(4000))

    while not uow.committed.tasks[task.id].is_terminal:
        await use_case.execute(RunTask(task.id, 1, TaskType.TRANSCRIPTION))
        assert len(ml.spans) < 10

    assert ml.spans == [(None, 9000), (None, 10_000), (3000, 10_000)]  # 5 s of context on either side
    texts = sorted((a.payload["start_ms"], a.payload["text"]) for a in uow.committed.artifacts[task.id])
    assert texts == [(i * 1000, f"w{i}") for i in range(10)]


async def test_each_window_reports_what_it_committed_and_the_last_completes_the_task_with_the_runs_moments() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock(NOW)
    task = queued_scenes_of_ten_seconds(uow)
    use_case = runner(uow, WindowedScenes(set()), clock, RetryPolicy(), windows=WindowSizes(5000))

    first = await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))
    assert uow.committed.tasks[task.id].heartbeat_at == NOW
    clock.current = LATER
    again = await use_case.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))

    assert (first.outcome, first.window, first.progress, first.artifacts, first.reused_result) == (
        RunOutcome.CONTINUE,
        0,
        0.5,
        2,
        False,
    )
    assert (again.outcome, again.window, again.progress, again.artifacts) == (RunOutcome.COMPLETED, 1, 1.0, 4)
    stored = uow.committed.tasks[task.id]
    assert (stored.status, stored.completed_at) == (TaskStatus.COMPLETED, LATER)
    moments = uow.committed.moments[task.id]
    assert [(m.label, m.start_ms, m.end_ms, m.run_id) for m in moments] == [
        (f"scene {i + 1}", i * 2500, (i + 1) * 2500, "call-1") for i in range(4)
    ]
