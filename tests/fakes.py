"""Realistic in-memory fakes of the ports, recording state rather than calls."""

import asyncio
import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self
from uuid import UUID, uuid4

from pydantic import JsonValue

from framewise.application.results import (
    Availability,
    CommittedWindow,
    JobState,
    KnownFile,
    MediaUnreadable,
    Regrouped,
    RunProgress,
    RunSummary,
    SelectedTask,
    TaskSelection,
)
from framewise.contracts.ml import InferenceRequest, InferenceResponse
from framewise.domain.analysis_settings import SettingsLayer
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.errors import (
    FaceNotFound,
    PathOutsideRoots,
    PersonNotFound,
    SpeakerNotFound,
    TaskNotFound,
    VideoNotFound,
)
from framewise.domain.faces import REJECTED_DISTANCE, FaceTrack, Neighbour, distance
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import Moment
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.session import Session, SessionId
from framewise.domain.task import JobRequest, Task, TaskStatus
from framewise.domain.video import FileStat, MediaInfo, Video, VideoStatus
from framewise.domain.voices import VoiceTurn, cosine_distance
from framewise.domain.windows import Window


class FakeRegroupProgress:
    """What a re-grouping reported, in order; `between` runs after each batch's report (as if a
    request came in between two transactions)."""

    def __init__(self, between: Callable[[], Awaitable[None]] | None = None) -> None:
        self.reports: list[tuple[Any, ...]] = []
        self._between = between

    async def started(self, total: int, now: datetime) -> None:
        self.reports.append(("started", total))

    async def placed(self, faces: int, total: int) -> None:
        self.reports.append(("placed", faces, total))
        if self._between is not None:
            between, self._between = self._between, None
            await between()

    async def finished(self, done: Regrouped, now: datetime) -> None:
        self.reports.append(("finished", done.faces, done.persons))


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class _Store:
    def __init__(self) -> None:
        self.tasks: dict[TaskId, Task] = {}
        self.videos: dict[VideoId, Video] = {}
        self.artifacts: dict[TaskId, list[ArtifactEnvelope]] = {}
        self.moments: dict[TaskId, list[Moment]] = {}
        self.runs: dict[TaskId, Provenance] = {}  # one run per task, as a windowed task has
        self.windows: dict[TaskId, dict[int, CommittedWindow]] = {}
        self.settings: dict[str, SettingsLayer] = {}
        self.persons: dict[UUID, str | None] = {}  # id: name
        self.faces: dict[UUID, FakeFace] = {}
        self.refusals: list[tuple[UUID, tuple[float, ...]]] = []
        self.speakers: dict[UUID, FakeSpeaker] = {}
        self.voices: dict[UUID, FakeVoice] = {}


class InMemoryTaskRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def seed(self, task: Task) -> Task:
        self._store.tasks[task.id] = copy.deepcopy(task)
        return task

    async def get(self, task_id: TaskId, *, for_update: bool = False) -> Task:
        if task_id not in self._store.tasks:
            raise TaskNotFound(task_id)
        return copy.deepcopy(self._store.tasks[task_id])

    async def add(self, task: Task) -> None:
        self._store.tasks[task.id] = copy.deepcopy(task)

    async def save(self, task: Task) -> None:
        self._store.tasks[task.id] = copy.deepcopy(task)

    async def unfinished(self, *, running_only: bool = False) -> list[Task]:
        wanted = {TaskStatus.RUNNING} if running_only else {TaskStatus.PENDING, TaskStatus.RUNNING}
        found = [copy.deepcopy(t) for t in self._store.tasks.values() if t.status in wanted]
        return sorted(found, key=lambda t: t.created_at)

    async def select(self, selection: TaskSelection, *, for_update: bool = False) -> list[SelectedTask]:
        found = []
        for task in sorted(self._store.tasks.values(), key=lambda t: (t.created_at, str(t.id))):
            video = self._store.videos.get(task.video_id)
            root, path = (video.root, video.path) if video else ("", "")
            if (
                (not selection.statuses or task.status in selection.statuses)
                and (not selection.task_types or task.task_type in selection.task_types)
                and selection.video_id in (None, task.video_id)
                and selection.root in (None, root)
                and (not selection.folder or path.startswith(f"{selection.folder}/"))
            ):
                found.append(SelectedTask(copy.deepcopy(task), root, path))
        return found

    async def delete_for_video(self, video_id: VideoId) -> None:
        for task_id in [t.id for t in self._store.tasks.values() if t.video_id == video_id]:
            del self._store.tasks[task_id]
            self._store.artifacts.pop(task_id, None)
            self._store.moments.pop(task_id, None)


class InMemoryVideoRepository:
    """Videos with their locations; a file is a location of one video at most, as in `video_files`."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    async def get(self, video_id: VideoId, *, for_update: bool = False) -> Video:
        if video_id not in self._store.videos:
            raise VideoNotFound(video_id)
        return copy.deepcopy(self._store.videos[video_id])

    async def by_path(self, root: str, path: str) -> Video | None:
        for video in self._store.videos.values():
            if video.location(root, path) is not None:
                return copy.deepcopy(video)
        return None

    async def by_content(self, content_hash: str) -> Video | None:
        shared = (VideoStatus.READY, VideoStatus.MISSING)
        found = [v for v in self._store.videos.values() if v.content_hash == content_hash and v.status in shared]
        return copy.deepcopy(min(found, key=lambda v: v.discovered_at)) if found else None

    async def known_files(self, root: str) -> dict[str, KnownFile]:
        return {
            f.path: KnownFile(v.id, f.size, f.mtime, missing=not f.present)
            for v in self._store.videos.values()
            for f in v.locations
            if f.root == root
        }

    async def add(self, video: Video) -> None:
        self._take_locations(video)
        self._store.videos[video.id] = copy.deepcopy(video)

    async def save(self, video: Video) -> None:
        self._take_locations(video)
        self._store.videos[video.id] = copy.deepcopy(video)

    async def delete(self, video_id: VideoId) -> None:
        if self._store.videos.pop(video_id, None) is None:
            raise VideoNotFound(video_id)
        await InMemoryTaskRepository(self._store).delete_for_video(video_id)

    def _take_locations(self, video: Video) -> None:
        """A location this video now has leaves whichever other video held it."""
        mine = {(f.root, f.path) for f in video.locations}
        for other in self._store.videos.values():
            if other.id != video.id:
                other.locations = [f for f in other.locations if (f.root, f.path) not in mine]


class InMemoryArtifactRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    async def replace_for_task(
        self, task_id: TaskId, envelopes: Sequence[ArtifactEnvelope], moments: Sequence[Moment] = ()
    ) -> int:
        self._store.artifacts[task_id] = list(envelopes)
        self._store.moments[task_id] = list(moments)
        return len(envelopes)

    async def run_progress(self, task_id: TaskId) -> RunProgress:
        windows = self._store.windows.get(task_id)
        return RunProgress(self._store.runs[task_id], dict(windows)) if windows else RunProgress()

    async def reset_run(self, task_id: TaskId) -> None:
        for table in (self._store.runs, self._store.artifacts, self._store.moments, self._store.windows):
            table.pop(task_id, None)  # type: ignore[attr-defined]

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
        if fresh:  # one run per task here: a re-index run replaces the finished one at once
            for table in (self._store.runs, self._store.artifacts, self._store.moments, self._store.windows):
                table.pop(task_id, None)  # type: ignore[attr-defined]
        assert self._store.runs.setdefault(task_id, run) == run, "one run per task"
        windows = self._store.windows.setdefault(task_id, {})
        assert window.index not in windows, f"window {window.index} committed twice"
        if replace:
            self._store.artifacts[task_id] = []
        self._store.artifacts.setdefault(task_id, []).extend(envelopes)
        windows[window.index] = CommittedWindow(window.start_ms, window.end_ms, compute_ms, now)
        return len(envelopes)

    async def restart_windows(self, task_id: TaskId) -> None:
        self._store.windows.pop(task_id, None)

    async def finish_run(self, task_id: TaskId, run_id: str, now: datetime) -> None:
        assert self._store.runs[task_id].run_id == run_id

    async def shown_runs(self, task_ids: Sequence[TaskId]) -> dict[TaskId, Provenance]:
        done = {t for t in task_ids if t in self._store.tasks and self._store.tasks[t].status is TaskStatus.COMPLETED}
        return {t: run for t, run in self._store.runs.items() if t in done}

    async def runs_of(self, task_id: TaskId) -> list[RunSummary]:
        run = self._store.runs.get(task_id)
        count = len(self._store.artifacts.get(task_id, []))
        return [RunSummary(run, "current", None, None, None, count)] if run else []

    async def run_payloads(self, run_id: str) -> list[dict[str, JsonValue]]:
        task_id = next((t for t, run in self._store.runs.items() if run.run_id == run_id), None)
        found = self._store.artifacts.get(task_id, []) if task_id is not None else []
        return [dict(e.payload) for e in sorted(found, key=lambda e: e.span_start_ms)]

    async def replace_moments(
        self, task_id: TaskId, video_id: VideoId, run_id: str, moments: Sequence[Moment], *, fresh: bool = False
    ) -> None:
        self._store.moments[task_id] = list(moments)


class InMemorySettingsRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    async def all(self) -> list[SettingsLayer]:
        return list(self._store.settings.values())

    async def put(self, layer: SettingsLayer) -> None:
        self._store.settings[layer.key] = layer

    async def delete(self, key: str) -> bool:
        return self._store.settings.pop(key, None) is not None


@dataclass
class FakeFace:
    video_id: VideoId
    task_id: TaskId
    run_id: str
    track: FaceTrack
    person_id: UUID | None
    pinned: bool = False


class InMemoryPersonRepository:
    """Faces and persons in dicts, nearest faces by brute force, as the SQL one answers."""

    def __init__(self, store: _Store) -> None:
        self._store = store
        self.locked = False

    async def lock(self) -> None:
        self.locked = True

    async def neighbours(self, descriptor: Sequence[float], limit: int) -> list[Neighbour]:
        near = [
            Neighbour(f.person_id, distance(f.track.descriptor, descriptor))
            for f in self._store.faces.values()
            if f.person_id is not None
        ]
        return sorted(near, key=lambda n: n.distance)[:limit]

    async def refusing(self, descriptor: Sequence[float]) -> set[UUID]:
        return {p for p, d in self._store.refusals if distance(d, descriptor) <= REJECTED_DISTANCE}

    async def create(self, now: datetime) -> UUID:
        person_id = uuid4()
        self._store.persons[person_id] = None
        return person_id

    async def add_face(
        self, video_id: VideoId, task_id: TaskId, run_id: str, track: FaceTrack, person_id: UUID | None
    ) -> UUID:
        face_id = uuid4()
        self._store.faces[face_id] = FakeFace(video_id, task_id, run_id, track, person_id)
        return face_id

    async def ungrouped(self, limit: int) -> list[tuple[UUID, tuple[float, ...]]]:
        ordered = sorted(self._store.faces.items(), key=lambda kv: (str(kv[1].video_id), kv[1].track.start_ms))
        return [(i, f.track.descriptor) for i, f in ordered if f.person_id is None][:limit]

    async def ungrouped_count(self) -> int:
        return sum(f.person_id is None for f in self._store.faces.values())

    async def assign(self, face_id: UUID, person_id: UUID) -> None:
        self._store.faces[face_id].person_id = person_id

    async def get(self, person_id: UUID, *, for_update: bool = False) -> str | None:
        if person_id not in self._store.persons:
            raise PersonNotFound(person_id)
        return self._store.persons[person_id]

    async def rename(self, person_id: UUID, name: str | None) -> None:
        self._store.persons[person_id] = name

    async def dissolve(self, person_id: UUID) -> int:
        mine = [f for f in self._store.faces.values() if f.person_id == person_id]
        for face in mine:
            face.person_id, face.pinned = None, False
        del self._store.persons[person_id]
        return len(mine)

    async def merge(self, into: UUID, others: Sequence[UUID]) -> int:
        moved = [f for f in self._store.faces.values() if f.person_id in others]
        for face in moved:
            face.person_id, face.pinned = into, True
        self._store.refusals = [(into if p in others else p, d) for p, d in self._store.refusals]
        for other in others:
            self._store.persons.pop(other, None)
        return len(moved)

    async def refuse(self, person_id: UUID, face_id: UUID, now: datetime) -> UUID:
        face = self._store.faces.get(face_id)
        if face is None or face.person_id != person_id:
            raise FaceNotFound(face_id, person_id)
        self._store.refusals.append((person_id, face.track.descriptor))
        face.person_id, face.pinned = await self.create(now), True
        return face.person_id

    async def release(self) -> int:
        released = [
            f
            for f in self._store.faces.values()
            if f.person_id is not None and self._store.persons[f.person_id] is None and not f.pinned
        ]
        for face in released:
            face.person_id = None
        await self.prune()
        return len(released)

    async def prune(self) -> int:
        kept = {f.person_id for f in self._store.faces.values()}
        gone = [p for p in self._store.persons if p not in kept]
        for person in gone:
            del self._store.persons[person]
        return len(gone)


@dataclass
class FakeSpeaker:
    number: int
    name: str | None = None
    person_id: UUID | None = None


@dataclass
class FakeVoice:
    video_id: VideoId
    task_id: TaskId
    run_id: str
    turn: VoiceTurn
    speaker_id: UUID | None
    pinned: bool = False


class InMemorySpeakerRepository:
    """Voices and speakers in dicts, nearest voices by brute force (cosine), as the SQL one answers."""

    def __init__(self, store: _Store) -> None:
        self._store = store
        self.locked = False

    async def lock(self) -> None:
        self.locked = True

    async def neighbours(self, voice: Sequence[float], limit: int) -> list[tuple[UUID, float]]:
        near = [
            (v.speaker_id, cosine_distance(v.turn.voice, voice))
            for v in self._store.voices.values()
            if v.speaker_id is not None
        ]
        return sorted(near, key=lambda n: n[1])[:limit]

    async def create(self, now: datetime) -> UUID:
        speaker_id = uuid4()
        number = max((s.number for s in self._store.speakers.values()), default=0) + 1
        self._store.speakers[speaker_id] = FakeSpeaker(number)
        return speaker_id

    async def add_voice(
        self, video_id: VideoId, task_id: TaskId, run_id: str, turn: VoiceTurn, speaker_id: UUID
    ) -> UUID:
        voice_id = uuid4()
        self._store.voices[voice_id] = FakeVoice(video_id, task_id, run_id, turn, speaker_id)
        return voice_id

    async def link_moments(self, run_id: str) -> None:
        pass  # the fake's moments carry no turns

    async def get(self, speaker_id: UUID, *, for_update: bool = False) -> str | None:
        if speaker_id not in self._store.speakers:
            raise SpeakerNotFound(speaker_id)
        return self._store.speakers[speaker_id].name

    async def rename(self, speaker_id: UUID, name: str | None) -> None:
        self._store.speakers[speaker_id].name = name

    async def merge(self, into: UUID, others: Sequence[UUID]) -> int:
        moved = [v for v in self._store.voices.values() if v.speaker_id in others]
        for voice in moved:
            voice.speaker_id, voice.pinned = into, True
        for other in others:
            self._store.speakers.pop(other, None)
        return len(moved)

    async def link_person(self, speaker_id: UUID, person_id: UUID) -> None:
        self._store.speakers[speaker_id].person_id = person_id

    async def prune(self) -> int:
        kept = {v.speaker_id for v in self._store.voices.values()}
        gone = [s for s in self._store.speakers if s not in kept]
        for speaker in gone:
            del self._store.speakers[speaker]
        return len(gone)


class FakeUnitOfWork:
    """Changes land in the committed store only on commit; anything else is rolled back."""

    def __init__(self) -> None:
        self.committed = _Store()
        self._working: _Store | None = None
        self.commits = 0
        self.tasks = InMemoryTaskRepository(self.committed)
        self.videos = InMemoryVideoRepository(self.committed)
        self.artifacts = InMemoryArtifactRepository(self.committed)
        self.settings = InMemorySettingsRepository(self.committed)
        self.persons = InMemoryPersonRepository(self.committed)
        self.speakers = InMemorySpeakerRepository(self.committed)

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self.committed)
        self.tasks = InMemoryTaskRepository(self._working)
        self.videos = InMemoryVideoRepository(self._working)
        self.artifacts = InMemoryArtifactRepository(self._working)
        self.settings = InMemorySettingsRepository(self._working)
        self.persons = InMemoryPersonRepository(self._working)
        self.speakers = InMemorySpeakerRepository(self._working)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._working = None
        self.tasks = InMemoryTaskRepository(self.committed)
        self.videos = InMemoryVideoRepository(self.committed)
        self.artifacts = InMemoryArtifactRepository(self.committed)
        self.settings = InMemorySettingsRepository(self.committed)
        self.persons = InMemoryPersonRepository(self.committed)
        self.speakers = InMemorySpeakerRepository(self.committed)

    async def commit(self) -> None:
        assert self._working is not None
        self.committed.tasks = self._working.tasks
        self.committed.videos = self._working.videos
        self.committed.artifacts = self._working.artifacts
        self.committed.moments = self._working.moments
        self.committed.runs = self._working.runs
        self.committed.windows = self._working.windows
        self.committed.settings = self._working.settings
        self.committed.persons = self._working.persons
        self.committed.faces = self._working.faces
        self.committed.refusals = self._working.refusals
        self.committed.speakers = self._working.speakers
        self.committed.voices = self._working.voices
        self._working = copy.deepcopy(self.committed)
        self.commits += 1


class FakeJobQueue:
    """Jobs by id as arq keeps them: a known id is never queued twice; an aborted job leaves."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobRequest] = {}
        self.running: set[str] = set()  # job ids a worker holds (arq's in-progress keys)
        self.held: dict[str, float] = {}  # seconds since a worker took each of those
        self.aborted: set[str] = set()

    async def push(self, job: JobRequest) -> bool:
        return self.jobs.setdefault(job.job_id, job) is job

    async def ping(self) -> None:
        return None

    async def abort(self, job: JobRequest) -> None:
        self.jobs.pop(job.job_id, None)
        self.running.discard(job.job_id)
        self.aborted.add(job.job_id)

    async def held_s(self, job: JobRequest) -> float | None:
        return self.held.get(job.job_id) if job.job_id in self.running else None

    async def state(self, job: JobRequest) -> JobState:
        if job.job_id in self.running:
            return JobState.RUNNING
        return JobState.QUEUED if job.job_id in self.jobs else JobState.ABSENT

    def lose_everything(self) -> None:
        """Valkey restarted empty."""
        self.jobs.clear()
        self.running.clear()


class FakeHeartbeats:
    """Beats land on the committed task, fenced like the SQL one: only its attempt, only RUNNING."""

    def __init__(self, uow: "FakeUnitOfWork") -> None:
        self._uow = uow
        self.beats = 0
        self._waiting: list[tuple[int, asyncio.Event]] = []

    def after(self, beats: int) -> asyncio.Event:
        """An event set once `beats` beats have landed: a clock that moves by beats, not by seconds."""
        event = asyncio.Event()
        self._waiting.append((beats, event))
        return event

    async def beat(self, task_id: TaskId, attempt: int, now: datetime) -> bool:
        task = self._uow.committed.tasks.get(task_id)
        if task is None or task.attempt != attempt or task.status is not TaskStatus.RUNNING:
            return False
        task.heartbeat_at = now
        self.beats += 1
        for beats, event in self._waiting:
            if self.beats >= beats:
                event.set()
        return True


EIGHT_SECONDS = MediaInfo(8000, 25.0, 320, 240, False)


class FakeMediaLibrary:
    """Files by (root, path); `content` decides the fingerprint, `media` whether it probes."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], tuple[FileStat, str, MediaInfo | None]] = {}

    def put(
        self,
        root: str,
        path: str,
        *,
        content: str = "a",
        size: int = 100,
        mtime: float = 1.0,
        media: MediaInfo | None = EIGHT_SECONDS,
    ) -> None:
        self.files[(root, path)] = (FileStat(root, path, size, mtime), content, media)

    async def scan(self, root: str, under: str = "") -> list[FileStat]:
        prefix = f"{under}/" if under else ""
        found = (s for (r, p), (s, _, _) in self.files.items() if r == root and p.startswith(prefix))
        return sorted(found, key=lambda s: s.path)

    def absolute(self, root: str, path: str) -> str:
        return f"{root}/{path}"

    def is_file(self, root: str, path: str) -> bool:
        return (root, path) in self.files

    def locate(self, folder: str) -> tuple[str, str]:
        roots = sorted({r for r, _ in self.files}, key=len, reverse=True)
        for root in roots:
            if folder == root or folder.startswith(f"{root}/"):
                return root, folder[len(root) + 1 :]
        raise PathOutsideRoots(folder)


class FakeMediaProber:
    def __init__(self, library: FakeMediaLibrary) -> None:
        self._library = library

    def _entry(self, absolute_path: str) -> tuple[FileStat, str, MediaInfo | None]:
        root, _, path = absolute_path.partition("/")
        for (r, p), entry in self._library.files.items():
            if f"{r}/{p}" == absolute_path:
                return entry
        raise MediaUnreadable(f"no such file {root}/{path}")

    async def fingerprint(self, absolute_path: str) -> str:
        return "fp:" + self._entry(absolute_path)[1]

    async def probe(self, absolute_path: str) -> MediaInfo:
        media = self._entry(absolute_path)[2]
        if media is None:
            raise MediaUnreadable("no video stream")
        return media


class FakeMlResultCache:
    """The results the ML service kept, by job (task id, attempt)."""

    def __init__(self, kept: dict[tuple[TaskId, int], InferenceResponse] | None = None) -> None:
        self.kept = kept or {}

    async def find(self, task_id: TaskId, attempt: int) -> InferenceResponse | None:
        return self.kept.get((task_id, attempt))


class FakeMlClient:
    """Answers from a script: a response, or an exception to raise, per call."""

    def __init__(
        self,
        *answers: InferenceResponse | Exception,
        available: bool = True,
        takes_s: float = 0.0,
        until: asyncio.Event | None = None,
    ) -> None:
        self.answers = list(answers)
        self.available = available
        self.unavailable_reason: str | None = None  # what is_available says while not available
        self.takes_s = takes_s  # how long each inference takes (real time)
        self.until = until  # or: each inference runs until this event is set
        self.cancelled = 0
        self.requests: list[tuple[TaskType, InferenceRequest, str]] = []

    async def is_available(self, task_type: TaskType) -> Availability:
        if self.available:
            return Availability()
        return Availability(self.unavailable_reason or f"{task_type} model unavailable")

    async def infer(self, task_type: TaskType, request: InferenceRequest, *, correlation_id: str) -> InferenceResponse:
        self.requests.append((task_type, request, correlation_id))
        try:
            await (self.until.wait() if self.until is not None else asyncio.sleep(self.takes_s))
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class InMemorySessionStore:
    """Sessions in a dict; like Valkey, one past its expiry (by `clock`, when given) is gone."""

    def __init__(self, clock: FixedClock | None = None) -> None:
        self.sessions: dict[str, Session] = {}
        self._clock = clock

    def _live(self, session: Session) -> bool:
        return self._clock is None or session.is_live(self._clock.now())

    async def add(self, session: Session) -> None:
        self.sessions[session.id] = session

    async def get(self, session_id: SessionId) -> Session | None:
        session = self.sessions.get(session_id)
        return session if session is not None and self._live(session) else None

    async def remove(self, session_id: SessionId) -> bool:
        return self.sessions.pop(session_id, None) is not None

    async def of_token(self, token_id: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.token_id == token_id and self._live(s)]
