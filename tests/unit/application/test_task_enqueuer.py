from datetime import UTC, datetime

import pytest

from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.domain.errors import IllegalTransition, TaskNotFound
from framewise.domain.ids import new_task_id, new_video_id
from framewise.domain.routing import TaskType
from framewise.domain.task import Task
from tests.fakes import FakeJobQueue, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit


def pending(task_type: TaskType) -> Task:
    return Task.create(
        video_id=new_video_id(),
        task_type=task_type,
        config={},
        now=datetime(2026, 1, 1, tzinfo=UTC),
        correlation_id="c",
    )


async def test_enqueueing_one_attempt_twice_creates_one_job() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = uow.tasks.seed(pending(TaskType.OCR))
    enqueuer = TaskEnqueuer(uow, queue, FixedClock())

    first = await enqueuer.execute(task.id)
    again = await enqueuer.execute(task.id)

    assert first.created and not again.created
    assert [j.queue.value for j in queue.jobs.values()] == ["gpu_jobs"]


async def test_enqueueing_an_open_attempt_again_stores_nothing() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = uow.tasks.seed(pending(TaskType.OCR))
    enqueuer = TaskEnqueuer(uow, queue, FixedClock())
    await enqueuer.execute(task.id, "first-request")
    stored = vars(uow.committed.tasks[task.id]).copy()

    again = await enqueuer.execute(task.id, "second-request")

    assert not again.created
    assert vars(uow.committed.tasks[task.id]) == stored
    assert uow.committed.tasks[task.id].correlation_id == "first-request"
    assert [job.correlation_id for job in queue.jobs.values()] == ["first-request"]


async def test_enqueue_commits_before_it_pushes() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = uow.tasks.seed(pending(TaskType.SCENE_DETECTION))
    await TaskEnqueuer(uow, queue, FixedClock()).execute(task.id)
    assert uow.committed.tasks[task.id].job_id in queue.jobs


async def test_unknown_and_running_tasks_are_refused() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = pending(TaskType.OCR)
    task.enqueue(datetime(2026, 1, 1, tzinfo=UTC))
    task.start(1, datetime(2026, 1, 1, tzinfo=UTC))
    uow.tasks.seed(task)
    enqueuer = TaskEnqueuer(uow, queue, FixedClock())
    with pytest.raises(TaskNotFound):
        await enqueuer.execute(new_task_id())
    with pytest.raises(IllegalTransition):
        await enqueuer.execute(task.id)
    assert queue.jobs == {}
