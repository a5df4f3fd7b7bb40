"""Single and bulk actions on tasks through the real use cases and in-memory ports: each records the
clock's time on the task and says which task and queue it acted on; a bulk action changes exactly
the tasks whose status allows it, counts the others by status, and aborts or queues their jobs."""

from datetime import UTC, datetime, timedelta

import pytest

from framewise.application.results import TaskSelection
from framewise.application.use_cases.task_bulk_canceller import TaskBulkCanceller
from framewise.application.use_cases.task_bulk_retrier import TaskBulkRetrier
from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.domain.ids import new_video_id
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from tests.fakes import FakeJobQueue, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
ACTED = CREATED + timedelta(hours=2)
EVERYTHING = TaskSelection(everything=True)


def task_in(status: TaskStatus, task_type: TaskType = TaskType.OCR) -> Task:
    task = Task.create(video_id=new_video_id(), task_type=task_type, config={}, now=CREATED, correlation_id="c")
    if status is TaskStatus.PENDING:
        return task
    task.enqueue(CREATED)
    task.start(1, CREATED)
    if status is TaskStatus.COMPLETED:
        task.complete(1, CREATED)
    elif status is TaskStatus.FAILED:
        task.fail(1, "boom", ErrorKind.PERMANENT, CREATED)
    elif status is TaskStatus.CANCELLED:
        task.cancel(CREATED)
    return task


def ports() -> tuple[FakeUnitOfWork, FakeJobQueue, FixedClock]:
    return FakeUnitOfWork(), FakeJobQueue(), FixedClock(ACTED)


async def test_enqueue_retry_and_cancel_record_the_clocks_time_and_name_the_task_and_queue() -> None:
    uow, queue, clock = ports()
    scenes = uow.tasks.seed(task_in(TaskStatus.PENDING, TaskType.SCENE_DETECTION))
    failed = uow.tasks.seed(task_in(TaskStatus.FAILED))

    enqueued = await TaskEnqueuer(uow, queue, clock).execute(scenes.id)
    retried = await TaskRetrier(uow, queue, clock).execute(failed.id)

    assert (enqueued.task_id, enqueued.queue, enqueued.created) == (scenes.id, "cpu_jobs", True)
    assert (retried.task_id, retried.queue, retried.created) == (failed.id, "gpu_jobs", True)
    assert uow.committed.tasks[scenes.id].enqueued_at == uow.committed.tasks[failed.id].enqueued_at == ACTED
    cancelled = await TaskCanceller(uow, queue, clock).execute(scenes.id)
    assert cancelled.completed_at == uow.committed.tasks[scenes.id].completed_at == ACTED


async def test_a_bulk_cancel_cancels_pending_and_running_tasks_aborts_their_jobs_and_counts_the_rest() -> None:
    uow, queue, clock = ports()
    never_queued = uow.tasks.seed(task_in(TaskStatus.PENDING))
    queued = task_in(TaskStatus.PENDING)
    queued_job = queued.enqueue(CREATED)
    uow.tasks.seed(queued)
    await queue.push(queued_job)
    running = uow.tasks.seed(task_in(TaskStatus.RUNNING))
    for status in (TaskStatus.COMPLETED, TaskStatus.COMPLETED, TaskStatus.FAILED):
        uow.tasks.seed(task_in(status))

    report = await TaskBulkCanceller(uow, queue, clock).execute(EVERYTHING)

    assert (report.matched, report.changed) == (6, 3)
    assert set(report.task_ids) == {never_queued.id, queued.id, running.id}
    assert report.left == {"COMPLETED": 2, "FAILED": 1}
    for task_id in report.task_ids:
        assert (uow.committed.tasks[task_id].status, uow.committed.tasks[task_id].completed_at) == (
            TaskStatus.CANCELLED,
            ACTED,
        )
    assert queue.aborted == {queued_job.job_id, f"task:{running.id}:1"} and queue.jobs == {}


async def test_a_bulk_retry_queues_failed_and_cancelled_tasks_as_new_attempts_and_counts_the_rest() -> None:
    uow, queue, clock = ports()
    failed = uow.tasks.seed(task_in(TaskStatus.FAILED))
    cancelled = uow.tasks.seed(task_in(TaskStatus.CANCELLED))
    for status in (TaskStatus.RUNNING, TaskStatus.PENDING, TaskStatus.COMPLETED, TaskStatus.COMPLETED):
        uow.tasks.seed(task_in(status))

    report = await TaskBulkRetrier(uow, queue, clock).execute(EVERYTHING, "bulk-1")

    assert (report.matched, report.changed, set(report.task_ids)) == (6, 2, {failed.id, cancelled.id})
    assert report.left == {"RUNNING": 1, "PENDING": 1, "COMPLETED": 2}
    for task_id in report.task_ids:
        task = uow.committed.tasks[task_id]
        assert (task.status, task.attempt, task.enqueued_at, task.correlation_id) == (
            TaskStatus.PENDING,
            2,
            ACTED,
            "bulk-1",
        )
    assert sorted(job.task_id for job in queue.jobs.values()) == sorted(report.task_ids)


async def test_a_bulk_action_acts_only_on_what_its_filter_selects() -> None:
    uow, queue, clock = ports()
    ocr = uow.tasks.seed(task_in(TaskStatus.FAILED, TaskType.OCR))
    uow.tasks.seed(task_in(TaskStatus.FAILED, TaskType.FACE_DETECTION))

    report = await TaskBulkRetrier(uow, queue, clock).execute(TaskSelection(task_types=frozenset({TaskType.OCR})))

    assert (report.matched, report.task_ids) == (1, [ocr.id])
    cancel = await TaskBulkCanceller(uow, queue, clock).execute(TaskSelection(task_types=frozenset({TaskType.OCR})))
    assert (cancel.matched, cancel.task_ids, cancel.left) == (1, [ocr.id], {})
