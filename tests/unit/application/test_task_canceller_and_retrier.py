from datetime import UTC, datetime

import pytest

from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.domain.errors import IllegalTransition, TaskNotFound
from framewise.domain.ids import new_task_id, new_video_id
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from tests.fakes import FakeJobQueue, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def pending() -> Task:
    return Task.create(video_id=new_video_id(), task_type=TaskType.OCR, config={}, now=NOW, correlation_id="c")


async def test_cancelling_a_queued_task_commits_cancelled_and_takes_its_job_off_the_queue() -> None:
    uow, queue, clock = FakeUnitOfWork(), FakeJobQueue(), FixedClock()
    task = uow.tasks.seed(pending())
    queued = await TaskEnqueuer(uow, queue, clock).execute(task.id)

    cancelled = await TaskCanceller(uow, queue, clock).execute(task.id)

    assert cancelled.status is TaskStatus.CANCELLED
    assert uow.committed.tasks[task.id].status is TaskStatus.CANCELLED
    assert queued.job_id in queue.aborted and queue.jobs == {}


async def test_cancelling_a_running_task_aborts_its_job() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = pending()
    task.enqueue(NOW)
    task.start(1, NOW)
    uow.tasks.seed(task)
    await TaskCanceller(uow, queue, FixedClock()).execute(task.id)
    assert uow.committed.tasks[task.id].status is TaskStatus.CANCELLED
    assert queue.aborted == {f"task:{task.id}:1"}


async def test_a_pending_task_never_queued_is_cancelled_without_touching_the_queue() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = uow.tasks.seed(pending())
    await TaskCanceller(uow, queue, FixedClock()).execute(task.id)
    assert uow.committed.tasks[task.id].status is TaskStatus.CANCELLED
    assert queue.aborted == set()


@pytest.mark.parametrize("finish", ["complete", "fail", "cancel"])
async def test_cancel_refuses_a_finished_task_and_changes_nothing(finish: str) -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = pending()
    task.enqueue(NOW)
    task.start(1, NOW)
    if finish == "complete":
        task.complete(1, NOW)
    elif finish == "fail":
        task.fail(1, "boom", ErrorKind.PERMANENT, NOW)
    else:
        task.cancel(NOW)
    uow.tasks.seed(task)
    with pytest.raises(IllegalTransition):
        await TaskCanceller(uow, queue, FixedClock()).execute(task.id)
    assert uow.committed.tasks[task.id].status is task.status
    assert queue.aborted == set()


async def test_retry_opens_a_new_attempt_with_a_new_job_id_and_queues_it() -> None:
    uow, queue, clock = FakeUnitOfWork(), FakeJobQueue(), FixedClock()
    task = pending()
    task.enqueue(NOW)
    task.start(1, NOW)
    task.fail(1, "boom", ErrorKind.PERMANENT, NOW)
    uow.tasks.seed(task)

    result = await TaskRetrier(uow, queue, clock).execute(task.id, "retry-corr")

    stored = uow.committed.tasks[task.id]
    assert (stored.status, stored.attempt, stored.error, stored.error_kind) == (TaskStatus.PENDING, 2, None, None)
    assert stored.correlation_id == "retry-corr"
    assert result.created and result.job_id == f"task:{task.id}:2" and result.job_id in queue.jobs


async def test_a_cancelled_task_can_be_retried_and_cancelled_again() -> None:
    uow, queue, clock = FakeUnitOfWork(), FakeJobQueue(), FixedClock()
    task = uow.tasks.seed(pending())
    await TaskEnqueuer(uow, queue, clock).execute(task.id)
    await TaskCanceller(uow, queue, clock).execute(task.id)
    retried = await TaskRetrier(uow, queue, clock).execute(task.id)
    await TaskCanceller(uow, queue, clock).execute(task.id)
    assert queue.aborted == {f"task:{task.id}:1", retried.job_id}
    assert uow.committed.tasks[task.id].status is TaskStatus.CANCELLED


async def test_retry_refuses_pending_running_completed_and_unknown_tasks() -> None:
    uow, queue, clock = FakeUnitOfWork(), FakeJobQueue(), FixedClock()
    retrier = TaskRetrier(uow, queue, clock)
    waiting = uow.tasks.seed(pending())
    running = pending()
    running.enqueue(NOW)
    running.start(1, NOW)
    uow.tasks.seed(running)
    done = pending()
    done.enqueue(NOW)
    done.start(1, NOW)
    done.complete(1, NOW)
    uow.tasks.seed(done)
    for task in (waiting, running, done):
        with pytest.raises(IllegalTransition):
            await retrier.execute(task.id)
    with pytest.raises(TaskNotFound):
        await retrier.execute(new_task_id())
    assert queue.jobs == {}
