from datetime import UTC, datetime, timedelta

import pytest

from framewise.domain.analyses import analysis_of
from framewise.domain.errors import IllegalTransition, StaleAttempt
from framewise.domain.ids import new_video_id
from framewise.domain.provenance import config_hash
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


LATER = NOW + timedelta(minutes=5)


def running(task_type: TaskType = TaskType.OCR) -> Task:
    task = new_task(task_type)
    task.enqueue(NOW)
    task.start(1, NOW)
    return task


def test_a_committed_window_moves_progress_within_0_and_1_and_clears_the_last_failure() -> None:
    task = running()
    task.note_transient_failure(1, "ML service unreachable", NOW)
    task.advance(1, 0.25, 90.0, LATER)
    assert (task.progress, task.eta_s, task.transient_failures, task.heartbeat_at) == (0.25, 90.0, 0, LATER)
    assert (task.error, task.error_kind) == (None, None)
    task.advance(1, 1.5, None, LATER)
    assert task.progress == 1.0
    task.advance(1, -0.5, None, LATER)
    assert task.progress == 0.0


def test_a_finished_task_records_when_it_ended_and_a_completed_one_carries_no_error() -> None:
    completed, failed, cancelled = running(), running(), running()
    completed.note_transient_failure(1, "a blip", NOW)
    completed.complete(1, LATER)
    failed.fail(1, "bad input", ErrorKind.PERMANENT, LATER)
    cancelled.cancel(LATER)
    assert [t.completed_at for t in (completed, failed, cancelled)] == [LATER] * 3
    assert (completed.error, completed.error_kind, completed.progress) == (None, None, 1.0)
    assert (failed.error, failed.error_kind) == ("bad input", ErrorKind.PERMANENT)


def test_running_time_is_start_to_end_or_to_now_and_none_before_the_start() -> None:
    task = new_task()
    assert task.running_time(LATER) is None
    task.enqueue(NOW)
    task.start(1, NOW)
    assert task.running_time(LATER) == timedelta(minutes=5)
    task.complete(1, NOW + timedelta(minutes=2))
    assert task.running_time(LATER) == timedelta(minutes=2)


def test_a_transient_failure_vouches_for_the_task_until_its_retry_is_due() -> None:
    task = running()
    task.note_transient_failure(1, "timeout", LATER)
    assert task.heartbeat_at == LATER
    task.note_transient_failure(1, "timeout", LATER, retry_in_s=30)
    assert task.heartbeat_at == LATER + timedelta(seconds=30)


def test_the_lease_expires_only_after_longer_than_the_lease_without_a_sign_of_life() -> None:
    task = running()
    assert not task.lease_expired(NOW + timedelta(seconds=60), 60)
    assert task.lease_expired(NOW + timedelta(seconds=60.5), 60)


def test_waiting_starts_at_zero_seconds() -> None:
    task = new_task()
    assert task.waited_s(NOW) is None
    task.wait("the model is not loaded", NOW)
    assert (task.waited_s(NOW), task.waited_s(NOW - timedelta(seconds=5)), task.waited_s(LATER)) == (0.0, 0.0, 300.0)


def test_a_reclaimed_task_is_a_fresh_attempt_and_the_last_one_fails_as_lost() -> None:
    task = running()
    task.advance(1, 0.5, 60.0, NOW)
    job = task.reclaim(LATER, max_attempts=2)
    assert job is not None and (job.attempt, task.status, task.progress) == (2, TaskStatus.PENDING, 0.5)
    assert (task.eta_s, task.started_at, task.heartbeat_at, task.enqueued_at) == (None, None, None, LATER)
    task.start(2, LATER)
    assert task.reclaim(LATER, max_attempts=2) is None
    assert (task.status, task.error_kind, task.completed_at) == (TaskStatus.FAILED, ErrorKind.LOST, LATER)
    assert task.error == "its worker died on 2 of 2 allowed attempts"


@pytest.mark.parametrize("again", ["retry", "reindex", "requeue"])
def test_each_new_attempt_is_enqueued_now_with_no_times_of_the_last_one(again: str) -> None:
    task = running()
    task.advance(1, 0.5, 60.0, NOW)
    if again == "requeue":
        task = new_task()
        task.enqueue(NOW)
        task.requeue(LATER)
    else:
        task.fail(1, "boom", ErrorKind.PERMANENT, NOW)
        task.retry(LATER) if again == "retry" else task.reindex({"x": 1}, LATER)
    assert (task.status, task.attempt, task.enqueued_at, task.eta_s) == (TaskStatus.PENDING, 2, LATER, None)
    assert (task.started_at, task.heartbeat_at, task.completed_at) == (None, None, None)


@pytest.mark.parametrize(
    ("status", "action", "name"),
    [
        (TaskStatus.PENDING, lambda t: t.advance(1, 0.5, None, NOW), "advance"),
        (TaskStatus.PENDING, lambda t: t.complete(1, NOW), "complete"),
        (TaskStatus.PENDING, lambda t: t.fail(1, "x", ErrorKind.PERMANENT, NOW), "fail"),
        (TaskStatus.PENDING, lambda t: t.note_transient_failure(1, "x", NOW), "record a failure"),
        (TaskStatus.PENDING, lambda t: t.wait_turn(1, NOW, 5.0), "wait its turn"),
        (TaskStatus.PENDING, lambda t: t.reclaim(NOW, 3), "reclaim"),
        (TaskStatus.PENDING, lambda t: t.retry(NOW), "retry"),
        (TaskStatus.PENDING, lambda t: t.reindex({}, NOW), "re-index"),
        (TaskStatus.RUNNING, lambda t: t.requeue(NOW), "requeue"),
        (TaskStatus.RUNNING, lambda t: t.wait("busy", NOW), "wait"),
        (TaskStatus.RUNNING, lambda t: t.enqueue(NOW), "enqueue"),
        (TaskStatus.COMPLETED, lambda t: t.start(1, NOW), "start"),
        (TaskStatus.COMPLETED, lambda t: t.cancel(NOW), "cancel"),
    ],
)
def test_a_move_the_state_machine_refuses_names_the_action_and_the_status(
    status: TaskStatus, action: object, name: str
) -> None:
    task = new_task()
    task.enqueue(NOW)
    if status is not TaskStatus.PENDING:
        task.start(1, NOW)
    if status is TaskStatus.COMPLETED:
        task.complete(1, NOW)
    with pytest.raises(IllegalTransition) as refused:
        action(task)  # type: ignore[operator]
    assert str(refused.value) == f"task {task.id} is {status.value}: cannot {name}"
    assert refused.value.action == name


def test_a_task_is_created_with_the_hash_of_its_config_and_describes_no_job_before_it_is_enqueued() -> None:
    task = Task.create(
        video_id=new_video_id(), task_type=TaskType.OCR, config={"b": 1, "a": 2}, now=NOW, correlation_id="c"
    )
    assert task.config_hash == config_hash({"a": 2, "b": 1})
    with pytest.raises(IllegalTransition) as refused:
        task.job()
    assert str(refused.value) == f"task {task.id} is PENDING: cannot describe a job before it is enqueued"


def test_a_stale_attempt_names_the_task_and_both_attempts() -> None:
    task = running()
    with pytest.raises(StaleAttempt) as stale:
        task.complete(3, NOW)
    assert (stale.value.task_id, stale.value.attempt, stale.value.current) == (task.id, 3, 1)
