import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from framewise.application.results import Availability, MlBusy, MlPermanentError, MlTransientError, RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.contracts.ml import InferenceResponse, Timings
from framewise.domain.errors import InvalidPayload
from framewise.domain.provenance import Provenance, config_hash
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise.domain.video import FileStat, MediaInfo, Video
from tests.fakes import (
    FakeHeartbeats,
    FakeMediaLibrary,
    FakeMlClient,
    FakeMlResultCache,
    FakeUnitOfWork,
    FixedClock,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SCENES = [{"scene_index": 0, "start_ms": 0, "end_ms": 2000}, {"scene_index": 1, "start_ms": 2000, "end_ms": 8000}]


def response(items: list, input_hash: str = "fp:a", config: str = "h", **binding: object) -> InferenceResponse:
    provenance = Provenance(
        producer="pyscenedetect",
        producer_version="0.7",
        model_profile="balanced",
        config_hash=config,
        input_hash=input_hash,
        run_id="r1",
        device="cpu",
        weights="none",
    )
    return InferenceResponse(
        task_type=TaskType.SCENE_DETECTION,
        items=items,
        provenance=provenance,
        timings=Timings(queue_wait_ms=0, decode_ms=0, inference_ms=1, total_ms=1),
        **binding,  # type: ignore[arg-type]
    )


def seeded(uow: FakeUnitOfWork) -> Task:
    video = Video.register(FileStat("/m", "a.mp4", 10, 1.0), "fp:a", MediaInfo(8000, 25, 320, 240, False), None, NOW)
    uow.committed.videos[video.id] = video
    task = Task.create(video_id=video.id, task_type=TaskType.SCENE_DETECTION, config={}, now=NOW, correlation_id="c")
    task.enqueue(NOW)
    return uow.tasks.seed(task)


def runner(
    uow: FakeUnitOfWork,
    ml: FakeMlClient,
    kept: FakeMlResultCache | None = None,
    *,
    tries: int = 5,
    clock: FixedClock | None = None,
    heartbeats: FakeHeartbeats | None = None,
    heartbeat_s: float = 10.0,
) -> TaskRunner:
    return TaskRunner(
        uow,
        ml,
        kept or FakeMlResultCache(),
        FakeMediaLibrary(),
        clock or FixedClock(),
        heartbeats or FakeHeartbeats(uow),
        RetryPolicy(tries_per_attempt=tries),
        heartbeat_s=heartbeat_s,
    )


async def test_a_result_the_ml_service_kept_is_used_instead_of_recomputing() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(available=False)  # even while the model is down
    task = seeded(uow)
    answer = response(SCENES, config=config_hash({}), task_id=task.id, attempt=1, end_ms=8000)  # the whole video
    kept = FakeMlResultCache({(task.id, 1): answer})

    report = await runner(uow, ml, kept).execute(RunTask(task.id, 1))

    assert (report.outcome, report.artifacts, report.reused_result) == (RunOutcome.COMPLETED, 2, True)
    assert ml.requests == []
    assert uow.committed.tasks[task.id].status is TaskStatus.COMPLETED


@pytest.mark.parametrize(
    "changes",
    [
        {"config": "another config"},
        {"input_hash": "fp:old content"},
        {"start_ms": 0, "end_ms": 700},  # the poisoning of a real task: a 0.7 s slice under its id
        {"attempt": 2},  # another job's answer
        {"task_id": None, "attempt": None},
    ],
    ids=["other-config", "other-content", "other-window", "other-attempt", "no-job"],
)
async def test_a_kept_result_for_another_question_is_ignored(changes: dict[str, object]) -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(response(SCENES[:1]))
    task = seeded(uow)
    fields: dict[str, object] = {"config": config_hash({}), "task_id": task.id, "attempt": 1, "end_ms": 8000, **changes}
    stale = response(SCENES, **fields)  # type: ignore[arg-type]

    report = await runner(uow, ml, FakeMlResultCache({(task.id, 1): stale})).execute(RunTask(task.id, 1))

    assert (report.outcome, report.artifacts, report.reused_result) == (RunOutcome.COMPLETED, 1, False)
    assert len(ml.requests) == 1


async def test_a_successful_run_stores_artifacts_and_completes_in_one_commit() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(response(SCENES))
    task = seeded(uow)

    report = await runner(uow, ml).execute(RunTask(task.id, 1))

    assert (report.outcome, report.artifacts) == (RunOutcome.COMPLETED, 2)
    assert uow.committed.tasks[task.id].status is TaskStatus.COMPLETED
    assert [a.span_end_ms for a in uow.committed.artifacts[task.id]] == [2000, 8000]
    assert ml.requests[0][1].video_path == "/m/a.mp4" and ml.requests[0][2] == "c"


async def test_rerunning_an_attempt_replaces_its_artifacts_never_duplicates() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(MlTransientError("timeout"), response(SCENES))
    task = seeded(uow)
    first = await runner(uow, ml).execute(RunTask(task.id, 1))
    second = await runner(uow, ml).execute(RunTask(task.id, 1))
    assert (first.outcome, second.outcome) == (RunOutcome.RETRY, RunOutcome.COMPLETED)
    assert len(uow.committed.artifacts[task.id]) == 2


async def test_transient_errors_fail_the_task_once_tries_run_out() -> None:
    uow = FakeUnitOfWork()
    ml = FakeMlClient(*[MlTransientError("connection refused") for _ in range(3)])
    task = seeded(uow)
    outcomes = [(await runner(uow, ml, tries=3).execute(RunTask(task.id, 1))).outcome for _ in range(3)]
    assert outcomes == [RunOutcome.RETRY, RunOutcome.RETRY, RunOutcome.FAILED]
    stored = uow.committed.tasks[task.id]
    assert stored.status is TaskStatus.FAILED and stored.error_kind is ErrorKind.TRANSIENT
    assert "connection refused" in (stored.error or "")


async def test_permanent_error_fails_at_once_with_no_artifacts() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(MlPermanentError("ML service answered 422: bad-media"))
    task = seeded(uow)
    report = await runner(uow, ml).execute(RunTask(task.id, 1))
    assert report.outcome is RunOutcome.FAILED
    assert uow.committed.tasks[task.id].error_kind is ErrorKind.PERMANENT
    assert task.id not in uow.committed.artifacts


async def test_an_invalid_payload_fails_the_task_and_stores_nothing() -> None:
    # The answer is parsed as it arrives (the ML client's InferenceResponse): its error is what the task gets.
    with pytest.raises(InvalidPayload) as rejected:
        response([{"scene_index": 0, "start_ms": 10, "end_ms": 5}])
    uow, ml = FakeUnitOfWork(), FakeMlClient(rejected.value)
    task = seeded(uow)
    report = await runner(uow, ml).execute(RunTask(task.id, 1))
    assert report.outcome is RunOutcome.FAILED
    assert uow.committed.tasks[task.id].error_kind is ErrorKind.INVALID_PAYLOAD
    assert task.id not in uow.committed.artifacts


async def test_a_changed_input_is_a_permanent_failure() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(response(SCENES, input_hash="fp:other"))
    task = seeded(uow)
    report = await runner(uow, ml).execute(RunTask(task.id, 1))
    assert report.outcome is RunOutcome.FAILED and "changed" in (report.error or "")


async def test_a_stale_attempt_or_completed_task_is_skipped_without_calling_ml() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(response(SCENES))
    task = seeded(uow)
    assert (await runner(uow, ml).execute(RunTask(task.id, 7))).outcome is RunOutcome.SKIPPED
    await runner(uow, ml).execute(RunTask(task.id, 1))
    assert (await runner(uow, FakeMlClient()).execute(RunTask(task.id, 1))).outcome is RunOutcome.SKIPPED
    assert len(ml.requests) == 1


async def test_an_unavailable_analysis_defers_and_leaves_the_task_pending() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(available=False)
    task = seeded(uow)
    report = await runner(uow, ml).execute(RunTask(task.id, 1))
    assert report.outcome is RunOutcome.DEFERRED
    assert uow.committed.tasks[task.id].status is TaskStatus.PENDING and ml.requests == []


async def test_a_long_inference_beats_the_heartbeat_while_it_runs() -> None:
    """The inference lasts three beats (it ends when the third lands), whatever the wall clock does;
    each beat stamps the runner's clock on the task."""
    uow = FakeUnitOfWork()
    task = seeded(uow)
    heartbeats = FakeHeartbeats(uow)
    clock = FixedClock(NOW + timedelta(minutes=5))
    ml = FakeMlClient(response(SCENES), until=heartbeats.after(3))
    running = runner(uow, ml, heartbeats=heartbeats, heartbeat_s=0.01, clock=clock).execute(RunTask(task.id, 1))
    report = await asyncio.wait_for(running, 60)
    assert report.outcome is RunOutcome.COMPLETED and heartbeats.beats == 3
    assert uow.committed.tasks[task.id].heartbeat_at == clock.now()


async def test_a_task_cancelled_while_its_inference_runs_stops_it_and_stores_nothing() -> None:
    uow = FakeUnitOfWork()
    task = seeded(uow)
    ml = FakeMlClient(response(SCENES), takes_s=30)
    running = asyncio.create_task(runner(uow, ml, heartbeat_s=0.05).execute(RunTask(task.id, 1)))
    while uow.committed.tasks[task.id].status is not TaskStatus.RUNNING:  # noqa: ASYNC110 - a fake has no event
        await asyncio.sleep(0.01)
    uow.committed.tasks[task.id].cancel(NOW)  # what the API's cancel commits
    report = await asyncio.wait_for(running, 5)
    assert report.outcome is RunOutcome.SKIPPED and ml.cancelled == 1
    assert uow.committed.tasks[task.id].status is TaskStatus.CANCELLED
    assert uow.committed.artifacts.get(task.id, []) == []


async def test_a_transient_failure_keeps_the_lease_until_the_retry_is_due() -> None:
    uow = FakeUnitOfWork()
    task = seeded(uow)
    clock = FixedClock(NOW)
    report = await runner(uow, FakeMlClient(MlTransientError("busy", retry_after=90)), clock=clock).execute(
        RunTask(task.id, 1)
    )
    stored = uow.committed.tasks[task.id]
    assert report.outcome is RunOutcome.RETRY and report.retry_in_s >= 90  # Retry-After honoured
    assert stored.heartbeat_at is not None and (stored.heartbeat_at - NOW).total_seconds() == report.retry_in_s
    assert not stored.lease_expired(NOW + timedelta(seconds=80), lease_s=45)


async def test_a_resumed_attempt_whose_model_went_away_waits_for_it_without_spending_a_try() -> None:
    uow = FakeUnitOfWork()
    task = seeded(uow)
    first = runner(uow, FakeMlClient(MlTransientError("boom")), tries=2)
    assert (await first.execute(RunTask(task.id, 1))).outcome is RunOutcome.RETRY
    for _ in range(3):  # as often as it finds the model away: never FAILED for it
        report = await runner(uow, FakeMlClient(available=False), tries=2).execute(RunTask(task.id, 1))
        assert report.outcome is RunOutcome.DEFERRED and report.retry_in_s > 0
    stored = uow.committed.tasks[task.id]
    assert stored.status is TaskStatus.RUNNING and stored.transient_failures == 1  # the boom, nothing more
    assert stored.heartbeat_at is not None and stored.heartbeat_at > NOW  # vouched for while it waits


async def test_a_full_gate_defers_the_task_without_spending_a_try() -> None:
    uow, ml = FakeUnitOfWork(), FakeMlClient(MlBusy("ML service answered 503: the queue is full", retry_after=7))
    task = seeded(uow)

    report = await runner(uow, ml, tries=1).execute(RunTask(task.id, 1))

    assert (report.outcome, report.retry_in_s) == (RunOutcome.DEFERRED, 7)
    stored = uow.committed.tasks[task.id]
    assert stored.status is TaskStatus.RUNNING and stored.transient_failures == 0 and stored.error is None
    assert stored.heartbeat_at == NOW + timedelta(seconds=7)  # vouched for while its job waits on the queue


async def test_a_resumed_attempt_is_alive_from_the_moment_its_job_is_taken_before_any_check() -> None:
    """Its retry waited on a busy queue past its lease; the worker that takes the job beats at once, so
    the reconciler does not reclaim it while the runner asks the ML service about its model."""
    uow = FakeUnitOfWork()
    task = seeded(uow)
    clock = FixedClock(NOW)
    first = runner(uow, FakeMlClient(MlTransientError("boom", retry_after=2)), clock=clock)
    assert (await first.execute(RunTask(task.id, 1))).outcome is RunOutcome.RETRY
    clock.advance(600)  # the retry waited long past its lease for a free worker
    leases_seen: list[bool] = []

    class Asked(FakeMlClient):
        async def is_available(self, task_type: TaskType) -> Availability:
            leases_seen.append(uow.committed.tasks[task.id].lease_expired(clock.now(), lease_s=45))
            return await super().is_available(task_type)

    report = await runner(uow, Asked(response(SCENES)), clock=clock).execute(RunTask(task.id, 1, resumed=True))
    assert report.outcome is RunOutcome.COMPLETED
    assert leases_seen == [False]
