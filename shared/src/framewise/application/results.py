"""Inputs, outputs and errors of the use cases: plain frozen dataclasses and exceptions."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import JsonValue

from framewise.domain.errors import UnscopedBulkAction
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import MomentType, NearTerm
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, TaskStatus
from framewise.domain.text_query import TextQuery, parse_text_query
from framewise.domain.video import VideoStatus
from framewise.domain.voices import SpeakerRef

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
    video_ids: tuple[VideoId, ...] = ()  # any of these videos; empty: every video
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
    missing: bool = False  # the file was gone at an earlier scan


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
    moved: list[str] = field(default_factory=list)  # known content at a new path, its old files gone: no analysis
    copies: list[str] = field(default_factory=list)  # known content at one more path: shared, no analysis
    missing: list[str] = field(default_factory=list)  # files gone since the last scan
    returned: list[str] = field(default_factory=list)  # files gone at an earlier scan and there again
    tasks_created: int = 0
    jobs_enqueued: int = 0


@dataclass(frozen=True)
class CommittedWindow:
    start_ms: int
    end_ms: int | None
    compute_ms: float
    committed_at: datetime


@dataclass(frozen=True)
class RunProgress:
    """What a task's run has committed so far: its provenance (None before its first window) and
    its windows by index."""

    run: Provenance | None = None
    windows: dict[int, CommittedWindow] = field(default_factory=dict)
    shown_run: str | None = None  # the finished run readers see, kept while a re-index builds another

    @property
    def replacing(self) -> bool:
        """This pass replaces a finished run: its own stays hidden until its last window."""
        return self.shown_run is not None and (self.run is None or self.run.run_id != self.shown_run)


@dataclass(frozen=True)
class TaskSelection:
    """Tasks picked by what they are, for the actions on many at once (re-index, bulk retry and
    cancel). Empty fields select everything; `folder` is relative to `root`."""

    statuses: frozenset[TaskStatus] = frozenset()
    task_types: frozenset[TaskType] = frozenset()
    video_id: VideoId | None = None
    root: str | None = None
    folder: str | None = None
    everything: bool = False  # the caller said "all" in so many words: no filter may select the library

    def check_scoped(self) -> None:
        """An action on many tasks with no filter at all would touch the whole library: refused
        (`UnscopedBulkAction`) unless `everything` says that is what is meant."""
        scoped = self.statuses or self.task_types or self.video_id or self.root is not None or self.folder is not None
        if not scoped and not self.everything:
            raise UnscopedBulkAction(
                "no filter selects every task in the library: give status, task_type, video_id or folder, "
                'or send "all": true to mean every task'
            )


@dataclass(frozen=True)
class SelectedTask:
    task: Task
    root: str  # where its video is (its primary location)
    path: str


@dataclass(frozen=True)
class BulkReport:
    """What an action on many tasks did: how many matched, how many it changed, and why the others
    were left (their status does not allow it)."""

    matched: int
    changed: int
    task_ids: list[TaskId]
    left: dict[str, int] = field(default_factory=dict)  # status -> count


@dataclass(frozen=True)
class RunSummary:
    """One run of a task, for listing: what it ran on, its state and times, and how many artifacts
    it holds (none once superseded)."""

    provenance: Provenance
    state: str  # current, next (a re-index being built), superseded
    created_at: datetime | None
    completed_at: datetime | None
    superseded_at: datetime | None
    artifacts: int


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
    # DEFERRED for an unavailable model: why, whether that is news (it started waiting, or the reason
    # changed), and how long it has waited; any other outcome: how long it had waited before it started.
    waiting_reason: str | None = None
    waiting_changed: bool = False
    waited_s: float | None = None


@dataclass(frozen=True)
class Availability:
    """Whether the ML service can run an analysis now; when not, why (the model and what it lacks)."""

    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.reason is None


class MediaUnreadable(Exception):
    """A file could not be read or does not probe as a video; the message is the reason."""


class MlServiceUnreachable(Exception):
    """The ML service is not configured for this process, or does not answer; the message says which."""


@dataclass(frozen=True)
class MlServiceStatus:
    """What the ML service says of itself (its health: each model's state and why, the device, the
    GPU gate), or, when it cannot be asked, why not (`reachable` false, `detail`)."""

    reachable: bool
    status: str  # healthy, degraded, unhealthy (as the service says), or unreachable, not-configured
    detail: str | None = None
    device: dict[str, JsonValue] | None = None
    models: dict[str, dict[str, JsonValue]] = field(default_factory=dict)
    gate: dict[str, JsonValue] | None = None


@dataclass(frozen=True)
class ModelReload:
    """What a reload of the ML service's models changed: one entry per model looked at."""

    changes: list[dict[str, JsonValue]]
    models: dict[str, dict[str, JsonValue]]


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    jobs: int  # every job on the queue, deferred ones included
    ready: int  # the jobs that may run now


@dataclass(frozen=True)
class TaskCount:
    status: TaskStatus
    task_type: TaskType
    count: int
    waiting: int  # of them, PENDING and waiting for their model


@dataclass(frozen=True)
class LocalService:
    """One service as the local supervisor (`make run`) keeps it: running, restarting after a crash,
    down (it crashed too often), or stopped."""

    name: str
    state: str  # running, restarting, down, stopped
    pid: int | None
    restarts: int
    last_exit_code: int | None  # negative: the signal that ended it
    last_exit: str | None  # the same in words: "exit code 1", "killed by SIGKILL"
    reason: str | None = None  # why it is down
    log: str | None = None  # its log file


@dataclass(frozen=True)
class SystemReport:
    """One view of the installation for its operator: the ML service, the queues, the tasks, and the
    local services when a supervisor runs them (empty otherwise)."""

    ml: MlServiceStatus
    queues: list[QueueDepth]
    tasks: list[TaskCount]
    services: list[LocalService] = field(default_factory=list)


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
    """What a search asks for. `q` is parsed once, here (`terms`): a text with nothing to search for
    is refused (`InvalidSearch`) before any store is asked."""

    q: str | None = None  # free text: transcript (stemmed), on-screen text (substring, fuzzy), labels
    lang: str | None = None  # only speech in this language (ISO 639-1)
    types: frozenset[MomentType] = frozenset(MomentType)
    label: str | None = None  # exactly this label (case and spacing free)
    min_confidence: float | None = None
    video_id: VideoId | None = None
    from_ms: int | None = None  # moments that end after this
    to_ms: int | None = None  # moments that start before this
    run_id: str | None = None
    person_id: UUID | None = None  # moments while that person is on screen
    speaker_id: UUID | None = None  # speech of that speaker (and their speaker moments)
    near: tuple[NearTerm, ...] = ()  # each must have a moment within `within_ms` in the same video
    within_ms: int = 5000
    sort: SearchSort = SearchSort.RELEVANCE
    limit: int = 20
    offset: int = 0
    terms: TextQuery | None = field(init=False, compare=False, repr=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", None if self.q is None else parse_text_query(self.q))


class MatchKind(StrEnum):
    EXACT = "exact"  # the words as typed (stemmed in speech)
    PHRASE = "phrase"  # a quoted phrase, its words in order
    FUZZY = "fuzzy"  # a close spelling of a word that matched nothing as typed


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
    person_id: UUID | None = None  # a person moment's person
    box: tuple[float, float, float, float] | None = None  # a person moment's face, at best_ms, in pixels
    match: MatchKind | None = None  # how it matched `q` (none without `q`)
    language: str | None = None  # speech's language (ISO 639-1)
    speaker: SpeakerRef | None = None  # who speaks (speech and speaker moments)


@dataclass(frozen=True)
class SearchPage(Page[SearchHit]):
    """A page of hits; `total` is exact up to a cap and estimated beyond it (`total_is_estimate`)."""

    total_is_estimate: bool = False


@dataclass(frozen=True)
class LanguageCount:
    language: str  # ISO 639-1
    moments: int  # speech moments in it


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


@dataclass(frozen=True)
class FaceShown:
    """Where a face is best seen: a frame of a video and the face's box in it (pixels)."""

    video_id: VideoId
    best_ms: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class PersonSummary:
    id: UUID
    name: str | None
    faces: int
    videos: int
    best: FaceShown | None  # its most confident face, for its thumbnail


@dataclass(frozen=True)
class PersonAppearance:
    face_id: UUID
    video_id: VideoId
    video_path: str
    start_ms: int
    end_ms: int
    shown: FaceShown


@dataclass(frozen=True)
class SpeakerSuggestion:
    """The person whose face is on screen, again and again, while the speaker talks."""

    person_id: UUID
    person_name: str | None
    turns: int  # the speaker's turns that overlap that person's faces


@dataclass(frozen=True)
class SpeakerSummary:
    id: UUID
    name: str | None
    number: int
    segments: int  # turns
    videos: int
    person_id: UUID | None = None  # the person people said it is
    suggestion: SpeakerSuggestion | None = None  # asked for one speaker only


@dataclass(frozen=True)
class SpeakerAppearance:
    voice_id: UUID
    video_id: VideoId
    video_path: str
    start_ms: int
    end_ms: int
    text: str | None  # what the turn says (its transcript moment)


@dataclass(frozen=True)
class Regrouped:
    faces: int  # faces placed again
    persons: int  # the persons they landed in


class RegroupState(StrEnum):
    QUEUED = "queued"  # waiting for a CPU worker
    RUNNING = "running"
    IDLE = "idle"  # none waiting or running


@dataclass(frozen=True)
class RegroupStatus:
    """Where the library's re-grouping stands: one at a time, run by a CPU worker."""

    state: RegroupState
    requested_at: datetime | None = None  # the last request
    started_at: datetime | None = None  # the last run's start
    finished_at: datetime | None = None  # the last run's end; None while it runs or if it never ran
    placed: int = 0  # faces placed so far by the last run
    total: int = 0  # faces it has to place (it grows when faces are forgotten meanwhile)
    last: Regrouped | None = None  # what the last finished run did
