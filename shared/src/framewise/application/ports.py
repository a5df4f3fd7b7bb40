"""Ports: what the use cases need from the outside world, as Protocols the adapters satisfy."""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from pydantic import JsonValue

from framewise.application.results import (
    ArtifactFilter,
    Availability,
    JobState,
    Jump,
    KnownFile,
    LabelCount,
    LanguageCount,
    LocalService,
    MlServiceStatus,
    ModelReload,
    Page,
    PersonAppearance,
    PersonSummary,
    QueueDepth,
    Regrouped,
    RegroupStatus,
    RunProgress,
    RunSummary,
    SearchPage,
    SearchQuery,
    SelectedTask,
    SpeakerAppearance,
    SpeakerSummary,
    TaskCount,
    TaskFilter,
    TaskSelection,
    VideoFilter,
)
from framewise.contracts.ml import InferenceRequest, InferenceResponse, ModelIdentity
from framewise.domain.analysis_settings import SettingsLayer
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.faces import FaceTrack, Neighbour
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import Moment, MomentType
from framewise.domain.provenance import Config, Provenance
from framewise.domain.routing import TaskType
from framewise.domain.session import Session, SessionId
from framewise.domain.task import JobRequest, Task
from framewise.domain.video import FileStat, MediaInfo, Video
from framewise.domain.voices import VoiceTurn
from framewise.domain.windows import Window


class Clock(Protocol):
    def now(self) -> datetime: ...


class TaskRepository(Protocol):
    """Tasks by id, loaded for change and saved back inside a unit of work."""

    async def get(self, task_id: TaskId, *, for_update: bool = False) -> Task: ...

    async def add(self, task: Task) -> None: ...

    async def save(self, task: Task) -> None: ...

    async def delete_for_video(self, video_id: VideoId) -> None: ...

    async def unfinished(self, *, running_only: bool = False) -> list[Task]:
        """PENDING and RUNNING tasks (or RUNNING only), oldest first, read without locks."""
        ...

    async def select(self, selection: TaskSelection, *, for_update: bool = False) -> list[SelectedTask]:
        """The tasks `selection` picks, oldest first, each with where its video is."""
        ...


class VideoRepository(Protocol):
    """Videos with their locations, by id, by one of their files, or by content. Every lookup but a
    plain `get` locks the video until the unit of work ends."""

    async def get(self, video_id: VideoId, *, for_update: bool = False) -> Video: ...

    async def by_path(self, root: str, path: str) -> Video | None:
        """The video one of whose locations is the file at (root, path)."""
        ...

    async def by_content(self, content_hash: str) -> Video | None:
        """The READY or MISSING video with this fingerprint (the oldest, should there be several)."""
        ...

    async def known_files(self, root: str) -> dict[str, KnownFile]: ...

    async def add(self, video: Video) -> None: ...

    async def save(self, video: Video) -> None:
        """The video's row, and its locations become exactly `video.locations` (a location another
        video held moves to this one)."""
        ...

    async def delete(self, video_id: VideoId) -> None:
        """Forget the video: its locations, tasks, runs, artifacts and moments go with it.
        `VideoNotFound` when there is none."""
        ...


class ArtifactRepository(Protocol):
    async def replace_for_task(
        self, task_id: TaskId, envelopes: Sequence[ArtifactEnvelope], moments: Sequence[Moment] = ()
    ) -> int:
        """The task's artifacts and moments become exactly these (moments of the envelopes' run)."""
        ...

    async def run_progress(self, task_id: TaskId) -> RunProgress:
        """The task's run and its committed windows."""
        ...

    async def reset_run(self, task_id: TaskId) -> None:
        """Forget the run the task is building: its artifacts, moments and windows (a finished run
        it replaces, and superseded ones, stay)."""
        ...

    async def restart_windows(self, task_id: TaskId) -> None:
        """The task's next pass starts from its first window (a re-index): its committed windows
        are forgotten; its runs stay until the new pass's first window."""
        ...

    async def finish_run(self, task_id: TaskId, run_id: str, now: datetime) -> None:
        """The run is complete: if it replaces a finished run, that one is superseded (its
        artifacts and moments deleted, its row kept) and this one becomes what readers see."""
        ...

    async def shown_runs(self, task_ids: Sequence[TaskId]) -> dict[TaskId, Provenance]:
        """The finished run readers see of each of these tasks that has one."""
        ...

    async def runs_of(self, task_id: TaskId) -> list[RunSummary]:
        """The task's runs, newest first: the one readers see, one being built, superseded ones."""
        ...

    async def commit_window(
        self,
        task_id: TaskId,
        window: Window,
        run: Provenance,
        envelopes: Sequence[ArtifactEnvelope],
        *,
        attempt: int,
        compute_ms: float,
        now: datetime,
        replace: bool = False,
        fresh: bool = False,
        hidden: bool = False,
    ) -> int:
        """Add a window's artifacts to the run, or with `replace` make them the run's whole set;
        record the window as committed. `fresh`: the run's first window, which creates the run and
        removes any other unfinished run of the task; `hidden`: the new run replaces a finished
        one, which readers keep seeing until `finish_run`."""
        ...

    async def run_payloads(self, run_id: str) -> list[dict[str, JsonValue]]:
        """The payloads of a run's artifacts in time order."""
        ...

    async def replace_moments(
        self, task_id: TaskId, video_id: VideoId, run_id: str, moments: Sequence[Moment], *, fresh: bool = False
    ) -> None:
        """The run's moments become exactly these (`fresh`: a new run, which has none yet)."""
        ...


class SettingsRepository(Protocol):
    """The layers of analysis settings (framewise.domain.analysis_settings)."""

    async def all(self) -> list[SettingsLayer]: ...

    async def put(self, layer: SettingsLayer) -> None:
        """Create or replace the layer of `layer.key`."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove a layer; False when there was none."""
        ...


class PersonRepository(Protocol):
    """Faces and the persons they group into (framewise.domain.faces), inside the unit of work."""

    async def lock(self) -> None:
        """Hold the grouping for the rest of the transaction: faces are placed one writer at a time,
        so two videos of one stranger never start two persons."""
        ...

    async def neighbours(self, descriptor: Sequence[float], limit: int) -> list[Neighbour]:
        """The grouped faces nearest this descriptor, nearest first."""
        ...

    async def refusing(self, descriptor: Sequence[float]) -> set[UUID]:
        """The persons people took a face this close to out of ("not this person")."""
        ...

    async def create(self, now: datetime) -> UUID:
        """A new unnamed person."""
        ...

    async def add_face(
        self, video_id: VideoId, task_id: TaskId, run_id: str, track: FaceTrack, person_id: UUID | None
    ) -> UUID:
        """Store a face track of a run, in that person (or none)."""
        ...

    async def ungrouped(self, limit: int) -> list[tuple[UUID, tuple[float, ...]]]:
        """The first `limit` faces in no person, with their descriptors, in library order (video, then
        time)."""
        ...

    async def ungrouped_count(self) -> int: ...

    async def assign(self, face_id: UUID, person_id: UUID) -> None: ...

    async def get(self, person_id: UUID, *, for_update: bool = False) -> str | None:
        """The person's name (None: unnamed). `PersonNotFound` when there is no such person."""
        ...

    async def rename(self, person_id: UUID, name: str | None) -> None: ...

    async def dissolve(self, person_id: UUID) -> int:
        """Forget the person: its faces stay, in no person and not pinned; how many."""
        ...

    async def merge(self, into: UUID, others: Sequence[UUID]) -> int:
        """The others' faces (pinned) and refusals move into `into`; the others go. Faces moved."""
        ...

    async def refuse(self, person_id: UUID, face_id: UUID, now: datetime) -> UUID:
        """`Not this person`: remember what the face looks like against the person, and move the
        face (pinned) to a new person, whose id is returned. `FaceNotFound` when it is not theirs."""
        ...

    async def release(self) -> int:
        """Before a re-grouping: every face that people did not place (not pinned) and that is in an
        unnamed person leaves it; unnamed persons left with no face go. Faces released."""
        ...

    async def prune(self) -> int:
        """Persons with no face left go; how many."""
        ...


class SpeakerRepository(Protocol):
    """Voices and the speakers they group into (framewise.domain.voices), inside the unit of work.
    Every change keeps the speaker moments in step (a named speaker's turns are moments)."""

    async def lock(self) -> None:
        """Hold the grouping for the rest of the transaction (turns are placed one writer at a time)."""
        ...

    async def neighbours(self, voice: Sequence[float], limit: int) -> list[tuple[UUID, float]]:
        """The grouped voices nearest this one: (speaker, cosine distance), nearest first."""
        ...

    async def create(self, now: datetime) -> UUID:
        """A new unnamed speaker, numbered after the library's others."""
        ...

    async def add_voice(
        self, video_id: VideoId, task_id: TaskId, run_id: str, turn: VoiceTurn, speaker_id: UUID
    ) -> UUID:
        """Store a turn of a run, in that speaker."""
        ...

    async def link_moments(self, run_id: str) -> None:
        """The run's transcript moments point at their turns (same run, same span)."""
        ...

    async def get(self, speaker_id: UUID, *, for_update: bool = False) -> str | None:
        """The speaker's name (None: unnamed). `SpeakerNotFound` when there is no such speaker."""
        ...

    async def rename(self, speaker_id: UUID, name: str | None) -> None: ...

    async def merge(self, into: UUID, others: Sequence[UUID]) -> int:
        """The others' turns (pinned) move into `into`; the others go. Turns moved."""
        ...

    async def link_person(self, speaker_id: UUID, person_id: UUID) -> None:
        """People said the speaker is this person."""
        ...

    async def prune(self) -> int:
        """Speakers with no turn left go; how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories; rolls back unless `commit` was called."""

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def videos(self) -> VideoRepository: ...

    @property
    def artifacts(self) -> ArtifactRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def persons(self) -> PersonRepository: ...

    @property
    def speakers(self) -> SpeakerRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


class JobQueue(Protocol):
    """The queue jobs travel on; pushing the same job id twice creates one job."""

    async def push(self, job: JobRequest) -> bool: ...

    async def abort(self, job: JobRequest) -> None:
        """Take a queued job off the queue, and stop it if a worker is running it."""
        ...

    async def state(self, job: JobRequest) -> JobState: ...

    async def held_s(self, job: JobRequest) -> float | None:
        """Seconds since a worker took the job; None when no worker holds it, or the queue cannot tell."""
        ...

    async def ping(self) -> None:
        """Raise when the queue cannot be reached."""
        ...


class RegroupQueue(Protocol):
    """Where a re-grouping of the library's faces waits for a CPU worker; one waits or runs at a time."""

    async def request(self, now: datetime) -> RegroupStatus:
        """Queue a re-grouping unless one is already waiting or running (that one will do)."""
        ...

    async def status(self) -> RegroupStatus: ...


class RegroupProgress(Protocol):
    """What a running re-grouping tells those waiting for it."""

    async def started(self, total: int, now: datetime) -> None: ...

    async def placed(self, faces: int, total: int) -> None: ...

    async def finished(self, done: Regrouped, now: datetime) -> None: ...


class Heartbeats(Protocol):
    """A running attempt's sign of life, written in its own short transaction."""

    async def beat(self, task_id: TaskId, attempt: int, now: datetime) -> bool:
        """Record that `attempt` is alive; False when the task is no longer that attempt RUNNING
        (cancelled, superseded), which tells the worker to stop."""
        ...


class MlClient(Protocol):
    """Runs one analysis on the ML service. Raises the errors in `application.results`."""

    async def is_available(self, task_type: TaskType) -> Availability: ...

    async def infer(
        self, task_type: TaskType, request: InferenceRequest, *, correlation_id: str
    ) -> InferenceResponse: ...


class MlStatusReader(Protocol):
    """The ML service as its operator sees it: its health, and a reload of the models whose weights
    arrived since it started."""

    async def status(self) -> MlServiceStatus:
        """Never raises: an unreachable or unconfigured service is a status that says so."""
        ...

    async def reload(self) -> ModelReload:
        """Raises MlServiceUnreachable when the service is not configured or does not answer."""
        ...


class QueueDepths(Protocol):
    async def depths(self) -> list[QueueDepth]: ...


class LocalServices(Protocol):
    """The services a local supervisor (`make run`) runs beside this one, as it last described them."""

    async def local_services(self) -> list[LocalService]:
        """Never raises: empty when no supervisor runs this service or its description cannot be read."""
        ...


class TaskCounter(Protocol):
    async def count_tasks(self) -> list[TaskCount]:
        """How many tasks there are by status and type (only the pairs that have any)."""
        ...


class ModelChecker(Protocol):
    """What the ML service, which knows what its models accept, says of a config."""

    async def check_config(self, task_type: TaskType, config: Config) -> ModelIdentity:
        """The identity a run with `config` would have; `InvalidSettings` naming the key the model
        refuses, `SettingsUncheckable` when the ML service cannot say (unreachable, model not loaded)."""
        ...


class MlResultCache(Protocol):
    """Results the ML service kept (`ml_result:{task_id}:{attempt}`), for a worker that restarted
    or lost its connection mid-call of the same job."""

    async def find(self, task_id: TaskId, attempt: int) -> InferenceResponse | None: ...


class MediaLibrary(Protocol):
    """The files under a media root, as the file system shows them now."""

    async def scan(self, root: str, under: str = "") -> list[FileStat]:
        """The video files under `root`, or only under its sub-folder `under` (relative to root)."""
        ...

    def absolute(self, root: str, path: str) -> str: ...

    def is_file(self, root: str, path: str) -> bool:
        """Whether the file is there now (a known video's file can be gone before discovery notices)."""
        ...

    def locate(self, folder: str) -> tuple[str, str]:
        """(root, folder relative to it) for a folder given absolute or relative to the first root;
        `PathOutsideRoots` if it escapes every root, `NotFound` if it is not an existing folder."""
        ...


class UploadStorage(Protocol):
    """Where uploads land: staged out of sight of discovery, then published under a final name."""

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> str:
        """Stream the chunks to a hidden file and return its absolute path; past `max_bytes` the
        partial file is removed and `UploadTooLarge` raised."""
        ...

    async def publish(self, staged: str, name: str) -> FileStat:
        """Move the staged file into the upload folder atomically under `name` (or `name (n)` when
        taken); never overwrites."""
        ...

    async def discard(self, staged: str) -> None: ...


class MediaProber(Protocol):
    """Fingerprints and probes one file. `probe` raises `MediaUnreadable` with the reason."""

    async def fingerprint(self, absolute_path: str) -> str: ...

    async def probe(self, absolute_path: str) -> MediaInfo: ...


class TaskQueries(Protocol):
    """Read side of tasks: filtered, sorted and paginated in the store."""

    async def list_tasks(self, query: TaskFilter) -> Page[Task]: ...


class ArtifactQueries(Protocol):
    """Read side of artifacts: of a video, a task or a run, by type and time range, paginated."""

    async def list_artifacts(self, query: ArtifactFilter) -> Page[ArtifactEnvelope]: ...


class VideoQueries(Protocol):
    """Read side of videos: filtered by status and path, sorted and paginated, with the total."""

    async def list_videos(self, query: VideoFilter) -> Page[Video]: ...

    async def find(self, video_id: VideoId) -> Video | None:
        """One video by id (no page, no count), or None."""
        ...


class MomentSearch(Protocol):
    """Read side of moments: search, library-order jumps, label counts."""

    async def search(self, query: SearchQuery) -> SearchPage: ...

    async def neighbour(self, query: SearchQuery, video_id: VideoId, at_ms: int, *, forward: bool) -> Jump: ...

    async def labels(self, moment_type: MomentType, prefix: str | None, limit: int) -> list[LabelCount]: ...

    async def languages(self) -> list[LanguageCount]: ...


class SpeakerQueries(Protocol):
    """Read side of speakers: the list, one speaker (with a suggestion), where a speaker speaks."""

    async def list_speakers(self, name_prefix: str | None, limit: int, offset: int) -> Page[SpeakerSummary]:
        """Named speakers first, then by turns, most first."""
        ...

    async def find_speaker(self, speaker_id: UUID) -> SpeakerSummary | None:
        """With its suggestion (a person whose face shows while it speaks, again and again)."""
        ...

    async def appearances(self, speaker_id: UUID, limit: int, offset: int) -> Page[SpeakerAppearance]:
        """The speaker's turns in library order (video path, then time). `SpeakerNotFound`."""
        ...


class PersonQueries(Protocol):
    """Read side of persons: the People page, one person, where a person appears."""

    async def list_persons(self, name_prefix: str | None, limit: int, offset: int) -> Page[PersonSummary]:
        """Named persons first, then by faces, most first."""
        ...

    async def find_person(self, person_id: UUID) -> PersonSummary | None: ...

    async def appearances(self, person_id: UUID, limit: int, offset: int) -> Page[PersonAppearance]:
        """The person's faces in library order (video path, then time). `PersonNotFound`."""
        ...


class FrameGrabber(Protocol):
    """A still of one exact frame of a file, as JPEG bytes, kept in a bounded cache."""

    async def jpeg(self, absolute_path: str, content_hash: str, t_ms: int, width: int | None) -> bytes: ...


class SessionStore(Protocol):
    """The web UI's open sessions by id, each dropped when it expires or is revoked."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: SessionId) -> Session | None:
        """The session, or None when there is none (never opened, revoked or expired)."""
        ...

    async def remove(self, session_id: SessionId) -> bool:
        """Drop it; False when there was none."""
        ...

    async def of_token(self, token_id: str) -> list[Session]:
        """The live sessions opened with this token."""
        ...
