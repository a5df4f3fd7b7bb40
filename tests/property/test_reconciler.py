"""The reconciler over generated states: PENDING/RUNNING x job queued/absent/in progress
x heartbeat fresh/stale/none x lost-worker attempts left/exhausted (a stale task whose retry waits
queued is alive, and its lease starts again), always takes the one right action, and a second pass
right after changes nothing."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.application.results import Reconcile, ReconcileAction
from framewise.application.use_cases.task_reconciler import TaskReconciler
from framewise.domain.ids import new_video_id
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from tests.fakes import FakeJobQueue, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.property
NOW = datetime(2026, 6, 1, tzinfo=UTC)
LEASE_S, MAX_ATTEMPTS, STUCK_S = 45.0, 3, 3600.0
COMMAND = Reconcile(lease_s=LEASE_S, stuck_after_s=STUCK_S)
POLICY = RetryPolicy(attempts_per_task=MAX_ATTEMPTS)


@dataclass(frozen=True)
class Case:
    status: TaskStatus
    job: str  # never (PENDING without a job id), queued, running, absent
    heartbeat: str  # fresh, stale, none (RUNNING only)
    attempt: int
    lost: int  # attempts whose worker already died
    long_running: bool  # started more than the stuck threshold ago


cases = st.builds(
    Case,
    status=st.sampled_from([TaskStatus.PENDING, TaskStatus.RUNNING]),
    job=st.sampled_from(["never", "queued", "running", "absent"]),
    heartbeat=st.sampled_from(["fresh", "stale", "none"]),
    attempt=st.integers(min_value=1, max_value=MAX_ATTEMPTS + 1),
    lost=st.integers(min_value=0, max_value=MAX_ATTEMPTS - 1),
    long_running=st.booleans(),
)


def build(case: Case, queue: FakeJobQueue) -> Task:
    task = Task.create(
        video_id=new_video_id(), task_type=TaskType.OCR, config={}, now=NOW - timedelta(hours=3), correlation_id="c"
    )
    if case.status is TaskStatus.PENDING and case.job == "never":
        return task
    for _ in range(case.attempt):  # earlier attempts ended cancelled and were retried
        if task.attempt:
            task.cancel(NOW)
            task.retry(NOW)
        else:
            task.enqueue(NOW)
    task.workers_lost = min(case.lost, task.attempt - 1)
    job = task.job()
    if case.job in ("queued", "never"):
        queue.jobs[job.job_id] = job
    elif case.job == "running":
        queue.jobs[job.job_id] = job
        queue.running.add(job.job_id)
    if case.status is TaskStatus.RUNNING:
        started = NOW - timedelta(seconds=STUCK_S + 60 if case.long_running else 30)
        task.start(task.attempt, started)
        beat = {"fresh": NOW - timedelta(seconds=5), "stale": NOW - timedelta(seconds=LEASE_S + 1), "none": None}
        task.heartbeat_at = beat[case.heartbeat]
        if case.heartbeat == "none":
            task.started_at = NOW - timedelta(seconds=LEASE_S + 1) if not case.long_running else started
    return task


def expected(case: Case) -> ReconcileAction | None:
    if case.status is TaskStatus.PENDING:
        return {"never": ReconcileAction.ENQUEUED, "absent": ReconcileAction.REQUEUED}.get(case.job)
    if case.heartbeat in ("stale", "none"):  # no sign of life within the lease
        if case.job in ("queued", "never"):
            return None  # its retry waits on the queue for a free worker: not a dead worker
        lost_before = min(case.lost, case.attempt - 1)
        return ReconcileAction.FAILED_LOST if lost_before + 1 >= MAX_ATTEMPTS else ReconcileAction.RECLAIMED
    return ReconcileAction.STUCK if case.long_running else None


def vouched(case: Case) -> bool:
    """RUNNING with no sign of life within the lease, its retry waiting on the queue: alive."""
    return case.status is TaskStatus.RUNNING and case.heartbeat != "fresh" and case.job in ("queued", "never")


@settings(max_examples=300, deadline=None)
@given(st.lists(cases, min_size=1, max_size=6))
async def test_each_task_gets_exactly_the_right_action_and_a_second_pass_changes_nothing(
    generated: list[Case],
) -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    tasks = [uow.tasks.seed(build(case, queue)) for case in generated]
    reconciler = TaskReconciler(uow, queue, FixedClock(NOW), POLICY)

    report = await reconciler.execute(COMMAND)

    by_task = {task_id: action for task_id, action, _ in report.actions}
    assert len(by_task) == len(report.actions), "one action per task at most"
    for case, before in zip(generated, tasks, strict=True):
        action = by_task.get(before.id)
        assert action == expected(case), case
        after = uow.committed.tasks[before.id]
        if action in (ReconcileAction.ENQUEUED, ReconcileAction.REQUEUED, ReconcileAction.RECLAIMED):
            assert after.status is TaskStatus.PENDING and after.attempt == before.attempt + 1
            assert after.job_id in queue.jobs  # queued under the new attempt's job id
            assert before.job_id is None or before.job_id not in queue.jobs
        elif action is ReconcileAction.FAILED_LOST:
            assert after.status is TaskStatus.FAILED and after.error_kind is ErrorKind.LOST
            assert after.job_id not in queue.jobs
        else:  # left alone
            assert (after.status, after.attempt, after.job_id) == (before.status, before.attempt, before.job_id)
        if vouched(case):  # its lease starts again, so the worker that takes the job has a whole lease
            assert after.heartbeat_at == NOW and not after.lease_expired(NOW, LEASE_S)
        elif action is None:
            assert after.heartbeat_at == before.heartbeat_at

    again = await reconciler.execute(COMMAND)
    assert {a for _, a, _ in again.actions} <= {ReconcileAction.STUCK}


@settings(max_examples=100, deadline=None)
@given(st.lists(cases, min_size=1, max_size=6))
async def test_the_lease_pass_touches_only_running_tasks(generated: list[Case]) -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    tasks = [uow.tasks.seed(build(case, queue)) for case in generated]
    command = Reconcile(lease_s=LEASE_S, stuck_after_s=STUCK_S, leases_only=True)
    report = await TaskReconciler(uow, queue, FixedClock(NOW), POLICY).execute(command)
    pending = {t.id for t in tasks if t.status is TaskStatus.PENDING}
    assert not pending & {task_id for task_id, _, _ in report.actions}
    assert report.checked == len(tasks) - len(pending)


async def test_valkey_lost_with_everything_in_it_rebuilds_the_queue() -> None:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    tasks = [uow.tasks.seed(build(Case(TaskStatus.PENDING, "queued", "none", 1, 0, False), queue)) for _ in range(5)]
    queue.lose_everything()
    report = await TaskReconciler(uow, queue, FixedClock(NOW), POLICY).execute(COMMAND)
    assert report.count(ReconcileAction.REQUEUED) == 5
    assert {uow.committed.tasks[t.id].job_id for t in tasks} == set(queue.jobs)


@pytest.mark.parametrize(("held_s", "requeued"), [(None, False), (1.0, False), (LEASE_S + 1, True)])
async def test_a_pending_task_taken_by_a_worker_that_died_before_starting_it_is_queued_again(
    held_s: float | None, requeued: bool
) -> None:
    """A worker took the job (arq's in-progress key) and died before it marked the task RUNNING: the
    key would hold the job until the job timeout. Taken longer than a lease ago, it is a new attempt
    (the old job aborted); taken a moment ago, or when the queue cannot tell, it is left to its worker."""
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    task = uow.tasks.seed(build(Case(TaskStatus.PENDING, "running", "none", 1, 0, False), queue))
    if held_s is not None:
        queue.held[task.job_id or ""] = held_s
    report = await TaskReconciler(uow, queue, FixedClock(NOW), POLICY).execute(COMMAND)
    after = uow.committed.tasks[task.id]
    if requeued:
        assert report.count(ReconcileAction.REQUEUED) == 1 and after.attempt == task.attempt + 1
        assert after.job_id in queue.jobs and task.job_id not in queue.jobs  # the taken job aborted
    else:
        assert report.actions == [] and after.job_id == task.job_id
