from datetime import UTC, datetime

import pytest

from framewise.domain.analyses import analysis_of
from framewise.domain.errors import IllegalTransition, StaleAttempt
from framewise.domain.ids import new_video_id
from framewise.domain.routing import QueueName, TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus, job_id_for

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def new_task(task_type: TaskType = TaskType.OCR) -> Task:
    return Task.create(video_id=new_video_id(), task_type=task_type, config={}, now=NOW, correlation_id="c1")


def test_gpu_class_types_route_to_gpu_jobs_and_scene_detection_to_cpu_jobs() -> None:
    assert {t: analysis_of(t).queue for t in TaskType} == {
        TaskType.OBJECT_DETECTION: QueueName.GPU_JOBS,
        TaskType.FACE_DETECTION: QueueName.GPU_JOBS,
        TaskType.TRANSCRIPTION: QueueName.GPU_JOBS,
        TaskType.OCR: QueueName.GPU_JOBS,
        TaskType.PLACE_DETECTION: QueueName.GPU_JOBS,
        TaskType.SCENE_DETECTION: QueueName.CPU_JOBS,
    }
    assert new_task(TaskType.SCENE_DETECTION).queue is QueueName.CPU_JOBS


def test_enqueue_opens_attempt_one_with_a_job_id_derived_from_task_and_attempt() -> None:
    task = new_task()
    job = task.enqueue(NOW)
    assert (task.attempt, job.attempt, job.job_id) == (1, 1, job_id_for(task.id, 1))
    assert job.queue is QueueName.GPU_JOBS


def test_enqueueing_an_open_attempt_again_returns_the_same_job() -> None:
    task = new_task()
    assert task.enqueue(NOW) == task.enqueue(NOW)
    assert task.attempt == 1


def test_enqueueing_an_open_attempt_again_changes_nothing_not_even_the_correlation_id() -> None:
    task = new_task()
    first = task.enqueue(NOW, "opened-it")
    before = vars(task).copy()
    again = task.enqueue(datetime(2026, 1, 2, tzinfo=UTC), "came-later")
    assert vars(task) == before and again == first
    assert task.correlation_id == again.correlation_id == "opened-it"
    retried_job = (task.start(1, NOW), task.cancel(NOW), task.retry(NOW, "retried-it"))[2]
    assert task.correlation_id == retried_job.correlation_id == "retried-it"  # a new attempt takes the new one


def test_a_full_run_records_every_timestamp() -> None:
    task = new_task()
    task.enqueue(NOW)
    task.start(1, NOW)
    task.complete(1, NOW)
    assert task.status is TaskStatus.COMPLETED
    assert task.progress == 1.0
    assert None not in (task.enqueued_at, task.started_at, task.heartbeat_at, task.completed_at)


def test_retry_of_a_failed_task_opens_a_new_attempt_with_a_new_job_id() -> None:
    task = new_task()
    task.enqueue(NOW)
    task.start(1, NOW)
    task.fail(1, "boom", ErrorKind.PERMANENT, NOW)
    job = task.retry(NOW)
    assert task.status is TaskStatus.PENDING and task.error is None
    assert job.job_id == job_id_for(task.id, 2)


def test_completed_task_cannot_be_cancelled_or_retried() -> None:
    task = new_task()
    task.enqueue(NOW)
    task.start(1, NOW)
    task.complete(1, NOW)
    with pytest.raises(IllegalTransition):
        task.cancel(NOW)
    with pytest.raises(IllegalTransition):
        task.retry(NOW)


def test_a_stale_attempt_cannot_complete_a_newer_one() -> None:
    task = new_task()
    task.enqueue(NOW)
    task.start(1, NOW)
    task.cancel(NOW)
    task.retry(NOW)
    task.start(2, NOW)
    with pytest.raises(StaleAttempt):
        task.complete(1, NOW)
    assert task.status is TaskStatus.RUNNING


def test_transient_failures_are_counted_per_attempt() -> None:
    task = new_task()
    task.enqueue(NOW)
    task.start(1, NOW)
    assert task.note_transient_failure(1, "timeout") == 1
    assert task.note_transient_failure(1, "timeout") == 2
    task.fail(1, "gave up", ErrorKind.TRANSIENT, NOW)
    task.retry(NOW)
    assert task.transient_failures == 0
