"""The task entity and its state machine.

PENDING -> RUNNING -> COMPLETED | FAILED | CANCELLED; FAILED and CANCELLED -> PENDING by retry;
PENDING and RUNNING -> CANCELLED by cancel. Every other move raises `IllegalTransition`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from framewise.domain.analyses import analysis_of
from framewise.domain.errors import IllegalTransition, StaleAttempt
from framewise.domain.ids import TaskId, VideoId, new_task_id
from framewise.domain.provenance import Config, config_hash
from framewise.domain.routing import QueueName, TaskType


class TaskStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class ErrorKind(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    INVALID_PAYLOAD = "invalid_payload"
    LOST = "lost"  # the worker running it died (its lease expired) on every attempt allowed


TERMINAL = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})


def job_id_for(task_id: TaskId, attempt: int) -> str:
    """One job id per task attempt: a retry never collides with an old attempt's arq result key."""
    return f"task:{task_id}:{attempt}"


@dataclass(frozen=True)
class JobRequest:
    """What goes on the queue for one attempt of a task: ids and the task type, never payloads."""

    job_id: str
    queue: QueueName
    task_id: TaskId
    attempt: int
    correlation_id: str
    task_type: TaskType


def recheck_after(waited_s: float, first_s: float, max_s: float) -> float:
    """When to ask again whether a waiting task can start: after as long as it has waited already
    (so the re-checks double), at least `first_s`, at most `max_s`."""
    return min(max_s, max(first_s, waited_s))


@dataclass
class Task:
    """One analysis of one video with one config; the unit that is queued, run, retried and cancelled."""

    id: TaskId
    video_id: VideoId
    task_type: TaskType
    config: Config
    config_hash: str
    created_at: datetime
    correlation_id: str
    status: TaskStatus = TaskStatus.PENDING
    overrides: Config = field(default_factory=dict)  # the settings a request gave it (the strongest layer)
    queue: QueueName = field(default=QueueName.GPU_JOBS)
    attempt: int = 0
    transient_failures: int = 0  # of the current attempt; bounded by the worker's max tries
    workers_lost: int = 0  # attempts that ended because their worker died; bounded by max_attempts
    job_id: str | None = None
    progress: float = 0.0  # committed media time over the video's duration
    eta_s: float | None = None  # the rest at the wall-clock pace of its last windows (domain.progress)
    error: str | None = None
    error_kind: ErrorKind | None = None
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    completed_at: datetime | None = None
    waiting_reason: str | None = None  # PENDING and unable to start: why (the model and what it lacks)
    waiting_since: datetime | None = None  # since when it waits, kept while the reason changes

    @classmethod
    def create(
        cls, *, video_id: VideoId, task_type: TaskType, config: Config, now: datetime, correlation_id: str
    ) -> "Task":
        return cls(
            id=new_task_id(),
            video_id=video_id,
            task_type=task_type,
            config=config,
            config_hash=config_hash(config),
            created_at=now,
            correlation_id=correlation_id,
            queue=analysis_of(task_type).queue,
        )

    def running_time(self, now: datetime) -> timedelta | None:
        """How long it has run: from its start to its end, or to `now` while it runs; None before
        it started. The task listing sorts by the same definition."""
        if self.started_at is None:
            return None
        return (self.completed_at or now) - self.started_at

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def _require(self, action: str, *allowed: TaskStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self.id, self.status.value, action)

    def _require_attempt(self, attempt: int) -> None:
        if attempt != self.attempt:
            raise StaleAttempt(self.id, attempt, self.attempt)

    def job(self) -> JobRequest:
        if self.job_id is None:
            raise IllegalTransition(self.id, self.status.value, "describe a job before it is enqueued")
        return JobRequest(self.job_id, self.queue, self.id, self.attempt, self.correlation_id, self.task_type)

    def enqueue(self, now: datetime, correlation_id: str | None = None) -> JobRequest:
        """Open the next attempt and describe its job; enqueueing an open attempt again is a no-op
        (the attempt keeps the correlation id of the request that opened it)."""
        self._require("enqueue", TaskStatus.PENDING)
        if self.job_id is None:
            if correlation_id is not None:
                self.correlation_id = correlation_id
            self.attempt += 1
            self.transient_failures = 0
            self.job_id = job_id_for(self.id, self.attempt)
            self.enqueued_at = now
        return self.job()

    def start(self, attempt: int, now: datetime) -> None:
        """The job of `attempt` begins (or resumes after a transient failure of the same attempt)."""
        self._require_attempt(attempt)
        self._require("start", TaskStatus.PENDING, TaskStatus.RUNNING)
        if self.status is TaskStatus.PENDING:
            self.status = TaskStatus.RUNNING
            self.started_at = now
            self.waiting_reason = self.waiting_since = None
        self.heartbeat_at = now

    def wait(self, reason: str, now: datetime) -> bool:
        """The PENDING task cannot start yet, for `reason`. True when that is news (it starts waiting,
        or waits for another reason): only then has the task changed."""
        self._require("wait", TaskStatus.PENDING)
        if reason == self.waiting_reason:
            return False
        self.waiting_reason = reason
        self.waiting_since = self.waiting_since or now
        return True

    def waited_s(self, now: datetime) -> float | None:
        """Seconds it has waited so far, or None when it does not wait."""
        if self.waiting_since is None:
            return None
        return max(0.0, (now - self.waiting_since).total_seconds())

    def advance(self, attempt: int, progress: float, eta_s: float | None, now: datetime) -> None:
        """A window of the running attempt committed: `progress` of the media is done. The next
        window starts with all its tries (the retry policy bounds the tries of each window)."""
        self._require_attempt(attempt)
        self._require("advance", TaskStatus.RUNNING)
        self.progress, self.eta_s = min(1.0, max(0.0, progress)), eta_s
        self.transient_failures = 0
        self.error = self.error_kind = None
        self.heartbeat_at = now

    def complete(self, attempt: int, now: datetime) -> None:
        self._require_attempt(attempt)
        self._require("complete", TaskStatus.RUNNING)
        self.status = TaskStatus.COMPLETED
        self.progress, self.eta_s = 1.0, None
        self.completed_at = now
        self.error = self.error_kind = None

    def fail(self, attempt: int, error: str, kind: ErrorKind, now: datetime) -> None:
        self._require_attempt(attempt)
        self._require("fail", TaskStatus.RUNNING)
        self.status = TaskStatus.FAILED
        self.completed_at = now
        self.error, self.error_kind = error, kind

    def note_transient_failure(
        self, attempt: int, error: str, now: datetime | None = None, retry_in_s: float = 0.0
    ) -> int:
        """Record a failure worth retrying on the running attempt; returns how many it has had.
        The worker vouches for the task until its retry is due, so its lease does not expire while
        it waits out the backoff."""
        self._require_attempt(attempt)
        self._require("record a failure", TaskStatus.RUNNING)
        self.transient_failures += 1
        self.error, self.error_kind = error, ErrorKind.TRANSIENT
        if now is not None:
            self.heartbeat_at = now + timedelta(seconds=retry_in_s)
        return self.transient_failures

    def wait_turn(self, attempt: int, now: datetime, wait_s: float) -> None:
        """The running attempt waits for the ML service's turn without it counting as a failure;
        the worker vouches for the task until then, so its lease does not expire meanwhile."""
        self._require_attempt(attempt)
        self._require("wait its turn", TaskStatus.RUNNING)
        self.heartbeat_at = now + timedelta(seconds=wait_s)

    def vouch_queued(self, now: datetime) -> None:
        """The running attempt's retry job waits on its queue for a free worker: the queue vouches
        for it, so its lease starts again from `now` and the worker that takes the job gets a whole
        lease to beat its first heartbeat."""
        self._require("be vouched for", TaskStatus.RUNNING)
        self.heartbeat_at = now

    def lease_expired(self, now: datetime, lease_s: float) -> bool:
        """RUNNING with no sign of life from its worker for longer than `lease_s`."""
        last = self.heartbeat_at or self.started_at
        return self.status is TaskStatus.RUNNING and last is not None and (now - last).total_seconds() > lease_s

    def requeue(self, now: datetime) -> JobRequest:
        """A PENDING task whose job was lost (Valkey restarted empty): a new attempt with a new job id,
        so nothing the lost job left behind can block it or be mistaken for it."""
        self._require("requeue", TaskStatus.PENDING)
        self.job_id = None
        return self.enqueue(now)

    def reclaim(self, now: datetime, max_attempts: int) -> JobRequest | None:
        """A RUNNING task whose worker is gone: back to PENDING as a new attempt (the old one is fenced
        out), or FAILED as LOST once its workers have died on `max_attempts` attempts. Attempts that
        ended otherwise (retried by hand, requeued after Valkey was lost) do not count."""
        self._require("reclaim", TaskStatus.RUNNING)
        self.workers_lost += 1
        if self.workers_lost >= max_attempts:
            self.status = TaskStatus.FAILED
            self.completed_at = now
            self.error = f"its worker died on {self.workers_lost} of {max_attempts} allowed attempts"
            self.error_kind = ErrorKind.LOST
            return None
        self.status = TaskStatus.PENDING
        self.job_id = None
        self.eta_s = None  # progress stays: the committed windows are kept and resumed after
        self.started_at = self.heartbeat_at = None
        return self.enqueue(now)

    def cancel(self, now: datetime) -> None:
        self._require("cancel", TaskStatus.PENDING, TaskStatus.RUNNING)
        self.status = TaskStatus.CANCELLED
        self.completed_at = now
        self.waiting_reason = self.waiting_since = None

    def reindex(
        self, config: Config, now: datetime, correlation_id: str | None = None, overrides: Config | None = None
    ) -> JobRequest:
        """Run a finished task again, with `config`, as a new attempt from its first window. The run it
        finished (if any) stays what readers see until the new one completes and replaces it."""
        self._require("re-index", TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)
        self.config, self.config_hash = dict(config), config_hash(config)
        if overrides is not None:
            self.overrides = dict(overrides)
        self.status = TaskStatus.PENDING
        self.job_id = None
        self.progress, self.eta_s = 0.0, None  # the new run's windows start from the first
        self.workers_lost = 0
        self.error = self.error_kind = None
        self.started_at = self.heartbeat_at = self.completed_at = None
        return self.enqueue(now, correlation_id)

    def retry(self, now: datetime, correlation_id: str | None = None) -> JobRequest:
        """FAILED or CANCELLED back to PENDING, and straight onto the queue as a new attempt."""
        self._require("retry", TaskStatus.FAILED, TaskStatus.CANCELLED)
        self.status = TaskStatus.PENDING
        self.job_id = None
        self.eta_s = None  # progress stays: the committed windows are kept and resumed after
        self.error = self.error_kind = None
        self.started_at = self.heartbeat_at = self.completed_at = None
        return self.enqueue(now, correlation_id)
