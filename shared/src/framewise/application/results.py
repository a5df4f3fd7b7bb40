"""Inputs, outputs and errors of the use cases: plain frozen dataclasses and exceptions."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import MomentType, NearTerm
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.task import TaskStatus
from framewise.domain.video import VideoStatus

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TaskSort(StrEnum):
    CREATED_AT = "created_at"
    STARTED_AT = "started_at"
    RUNNING_TIME = "running_time"


@dataclass(frozen=True)
class TaskFilter:
    task_id: TaskId | None = None
    status: TaskStatus | None = None
    task_type: TaskType | None = None
    video_id: VideoId | None = None
    sort: TaskSort = TaskSort.CREATED_AT
    descending: bool = True
    limit: int = 50
    offset: int = 0


class VideoSort(StrEnum):
    DISCOVERED_AT = "discovered_at"
    PATH = "path"
    SIZE = "size"
    DURATION = "duration"


@dataclass(frozen=True)
class VideoFilter:
    video_id: VideoId | None = None
    status: VideoStatus | None = None
    path_contains: str | None = None  # case-insensitive substring of the path under its root
    sort: VideoSort = VideoSort.DISCOVERED_AT
    descending: bool = True
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ArtifactFilter:
    video_id: VideoId | None = None
    task_id: TaskId | None = None
    artifact_type: ArtifactType | None = None
    start_ms: int | None = None  # artifacts whose span ends at or after this
    end_ms: int | None = None  # artifacts whose span starts before this
    run_id: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class KnownFile:
    """What the store remembers of a file, enough for a rescan to skip unchanged files unhashed."""

    video_id: VideoId
    size: int
    mtime: float


@dataclass(frozen=True)
class Enqueued:
    task_id: TaskId
    job_id: str
    queue: str
    created: bool


@dataclass
class DiscoveryReport:
    scanned: int = 0
    new: list[VideoId] = field(default_factory=list)
    changed: list[VideoId] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # path -> reason
    unchanged: int = 0
    settling: list[str] = field(default_factory=list)  # modified too recently: maybe still being written
    tasks_created: int = 0
    jobs_enqueued: int = 0


@dataclass(frozen=True)
class CommittedWindow:
    start_ms: int
    end_ms: int | None
    compute_ms: float


@dataclass(frozen=True)
class RunProgress:
    """What a task's run has committed so far: its provenance (None before its first window) and
    its windows by index."""

    run: Provenance | None = None
    windows: dict[int, CommittedWindow] = field(default_factory=dict)


class RunOutcome(StrEnum):
    COMPLETED = "completed"
    CONTINUE = "continue"  # a window committed, more to go: the job goes to the back of its queue
    FAILED = "failed"
    RETRY = "retry"  # transient failure with tries left: run the same attempt again later
    DEFERRED = "deferred"  # not now (model unavailable, service busy): no try spent, ask again later
    SKIPPED = "skipped"  # already terminal, or a stale attempt


@dataclass(frozen=True)
class RunReport:
    outcome: RunOutcome
    artifacts: int = 0
    error: str | None = None
    tries: int = 0
    reused_result: bool = False  # COMPLETED from the result the ML service kept, not a new inference
    retry_in_s: float = 0.0  # RETRY: when to run the attempt again
    task_type: TaskType | None = None
    window: int | None = None  # the window this run of the job committed
    progress: float = 0.0
    eta_s: float | None = None


class MediaUnreadable(Exception):
    """A file could not be read or does not probe as a video; the message is the reason."""


class MlError(Exception):
    """Base of what the ML client raises."""


class MlTransientError(MlError):
    """Worth trying again: connection refused, timeout, 5xx."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MlPermanentError(MlError):
    """Trying again will not help: bad request, invalid video, schema mismatch."""


class MlModelUnavailable(MlError):
    """The ML service has no working model for this analysis (weights missing or failed to load):
    the task waits for it (at least `retry_after`) without spending a try."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MlBusy(MlError):
    """The ML service's line of waiting requests is full (503 busy): nothing is wrong with the task,
    so it waits its turn on the queue without spending a try."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JobState(StrEnum):
    QUEUED = "queued"  # waiting on its queue (possibly deferred for a retry)
    RUNNING = "running"  # a worker holds it (arq's in-progress key)
    ABSENT = "absent"  # the queue does not know it: never pushed, finished, or lost with Valkey


class ReconcileAction(StrEnum):
    ENQUEUED = "enqueued"  # PENDING, never queued
    REQUEUED = "requeued"  # PENDING, its job lost: a new attempt
    RECLAIMED = "reclaimed"  # RUNNING, its worker gone (lease expired): a new attempt
    FAILED_LOST = "failed_lost"  # RUNNING, its worker gone on the last attempt allowed
    STUCK = "stuck"  # RUNNING and alive, but past the stuck threshold: reported, left alone


@dataclass(frozen=True)
class Reconcile:
    """One reconciler pass. `leases_only` checks only RUNNING tasks' leases (the frequent pass)."""

    lease_s: float
    stuck_after_s: float
    leases_only: bool = False


@dataclass
class ReconcileReport:
    checked: int = 0
    actions: list[tuple[TaskId, ReconcileAction, str]] = field(default_factory=list)

    def count(self, action: ReconcileAction) -> int:
        return sum(1 for _, a, _ in self.actions if a is action)


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    TIME = "time"  # library order: the video's path, then time in it


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None  # free text: transcript (stemmed), on-screen text (substring, fuzzy), labels
    types: frozenset[MomentType] = frozenset(MomentType)
    label: str | None = None  # exactly this label (case and spacing free)
    min_confidence: float | None = None
    video_id: VideoId | None = None
    from_ms: int | None = None  # moments that end after this
    to_ms: int | None = None  # moments that start before this
    run_id: str | None = None
    near: tuple[NearTerm, ...] = ()  # each must have a moment within `within_ms` in the same video
    within_ms: int = 5000
    sort: SearchSort = SearchSort.RELEVANCE
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class SearchHit:
    video_id: VideoId
    root: str
    path: str
    moment_type: MomentType
    start_ms: int
    end_ms: int
    label: str
    snippet: str  # the label, HTML-escaped, with the matched words in <mark>
    score: float
    confidence: float | None
    run_id: str
    best_ms: int


@dataclass(frozen=True)
class Jump:
    hit: SearchHit | None
    wrapped: bool  # the answer came from the other end of the library


@dataclass(frozen=True)
class LabelCount:
    moment_type: MomentType
    label: str
    moments: int
    videos: int
