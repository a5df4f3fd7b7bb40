"""A task whose model is unavailable waits PENDING and says why; it is asked about again with a
backoff, and the worker logs it once per change of its reason (started, changed, stopped), never once
per re-check. The task runner runs on fakes; the worker's own logging (`framewise_worker.job`) is fed
the reports the runner gives."""

import logging
from datetime import UTC, datetime

import pytest
from arq import Retry
from structlog.testing import capture_logs

from framewise.application.results import RunOutcome, RunReport
from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_runner import RunTask
from framewise.domain.task import TaskStatus
from framewise.domain.video import VideoStatus
from framewise_worker import job
from tests.fakes import FakeJobQueue, FakeMlClient, FakeUnitOfWork, FixedClock
from tests.unit.application.test_task_runner import SCENES, response, runner, seeded

pytestmark = pytest.mark.unit
MISSING = "scenes model unavailable: weights scenes/x.pt missing from the model cache"
RECHECK = (30.0, 600.0)


def worker_sees(report: RunReport, task_id: str) -> float | None:
    """What the worker's job does with a report: its log lines, and the re-check delay (or None)."""
    job._waiting(task_id, report)
    try:
        job._record(report, 0.01, RECHECK)
    except Retry as retry:
        return (retry.defer_score or 0) / 1000
    return None


async def test_a_waiting_task_records_why_once_and_backs_off_until_its_model_arrives() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    task = seeded(uow)
    ml = FakeMlClient(response(SCENES), available=False)
    ml.unavailable_reason = MISSING
    delays: list[float] = []
    with capture_logs() as logs:
        for _ in range(6):
            commits = uow.commits
            report = await runner(uow, ml, clock=clock).execute(RunTask(task.id, 1))
            assert report.outcome is RunOutcome.DEFERRED and report.waiting_reason == MISSING
            stored = uow.committed.tasks[task.id]
            assert stored.status is TaskStatus.PENDING and stored.attempt == 1 and ml.requests == []
            assert stored.waiting_reason == MISSING and stored.waiting_since == datetime(2026, 1, 1, tzinfo=UTC)
            # Only the first re-check writes: the same reason again changes nothing.
            assert uow.commits == commits + (1 if not delays else 0)
            delay = worker_sees(report, str(task.id))
            assert delay is not None
            delays.append(delay)
            clock.advance(delay)
        # The reason changes (the weights arrived and load): one line, and the task still waits.
        ml.unavailable_reason = "scenes model loading: loading the weights that arrived"
        report = await runner(uow, ml, clock=clock).execute(RunTask(task.id, 1))
        assert report.waiting_changed and uow.committed.tasks[task.id].waiting_reason == ml.unavailable_reason
        worker_sees(report, str(task.id))
        clock.advance(10)
        # The model is ready: the task starts (its reason cleared) and completes.
        ml.available = True
        report = await runner(uow, ml, clock=clock).execute(RunTask(task.id, 1))
        assert report.outcome is RunOutcome.COMPLETED
        assert worker_sees(report, str(task.id)) is None
    done = uow.committed.tasks[task.id]
    assert done.status is TaskStatus.COMPLETED and done.waiting_reason is None and done.waiting_since is None
    # Re-checked after as long as it has waited: 30, 30, 60, 120, 240, 480 seconds, within the bounds.
    assert delays == [30.0, 30.0, 60.0, 120.0, 240.0, 480.0]
    waiting_lines = [line for line in logs if line["event"] == "job_deferred"]
    assert [line["reason"] for line in waiting_lines] == [MISSING, ml.unavailable_reason]
    stopped = [line for line in logs if line["event"] == "task_stopped_waiting"]
    assert len(stopped) == 1 and stopped[0]["waited_s"] == sum(delays) + 10
    assert [line["event"] for line in logs if line["event"] not in ("job_deferred", "task_stopped_waiting")] == [
        "job_completed"
    ]


async def test_a_waiting_task_can_be_cancelled_and_its_reason_goes() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    task = seeded(uow)
    report = await runner(uow, FakeMlClient(available=False), clock=clock).execute(RunTask(task.id, 1))
    assert report.waiting_reason is not None and uow.committed.tasks[task.id].waiting_reason is not None
    cancelled = await TaskCanceller(uow, FakeJobQueue(), clock).execute(task.id)
    assert cancelled.status is TaskStatus.CANCELLED and cancelled.waiting_reason is cancelled.waiting_since is None


async def test_a_running_attempt_whose_model_goes_away_is_not_waiting_but_waits_its_turn() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    task = seeded(uow)
    stored = uow.committed.tasks[task.id]
    stored.start(1, clock.now())  # a resumed attempt: it had started before its model went away
    report = await runner(uow, FakeMlClient(available=False), clock=clock).execute(RunTask(task.id, 1))
    assert report.outcome is RunOutcome.DEFERRED and report.waiting_reason is None
    assert uow.committed.tasks[task.id].status is TaskStatus.RUNNING
    assert uow.committed.tasks[task.id].waiting_reason is None


def test_arq_lines_of_a_waiting_task_are_dropped_and_others_kept() -> None:
    waiting = job.WaitingTasks(keep=2)
    task_id = "4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90"
    other = "9a0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e91"

    def line(ref: str) -> logging.LogRecord:
        return logging.LogRecord("arq.worker", logging.INFO, "w", 1, "%6.2fs → %s(%s)", (0.5, ref, "x"), None)

    assert waiting.note(task_id, True) is False
    assert not waiting.filter(line(f"task:{task_id}:1:run_task"))
    assert waiting.filter(line(f"task:{other}:1:run_task"))
    assert waiting.filter(logging.LogRecord("arq.worker", logging.INFO, "w", 1, "shutdown on SIGTERM", (), None))
    assert waiting.note(task_id, False) is True and waiting.filter(line(f"task:{task_id}:1:run_task"))
    for n in range(3):  # bounded: the oldest go first
        waiting.note(f"{n}", True)
    assert "0" not in waiting and "2" in waiting


async def test_a_task_of_a_video_whose_file_is_missing_waits_until_it_is_back() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    task = seeded(uow)
    ml = FakeMlClient(response(SCENES))
    video = uow.committed.videos[task.video_id]
    video.status = VideoStatus.MISSING
    report = await runner(uow, ml, clock=clock).execute(RunTask(task.id, 1))
    stored = uow.committed.tasks[task.id]
    assert report.outcome is RunOutcome.DEFERRED and ml.requests == []  # nothing sent to the ML service
    assert stored.status is TaskStatus.PENDING and stored.waiting_reason == report.waiting_reason
    assert f"missing (last seen at {video.path})" in (stored.waiting_reason or "")
    uow.committed.videos[task.video_id].status = VideoStatus.READY  # discovery found it again
    clock.advance(30)
    report = await runner(uow, ml, clock=clock).execute(RunTask(task.id, 1))
    assert report.outcome is RunOutcome.COMPLETED and uow.committed.tasks[task.id].waiting_reason is None
