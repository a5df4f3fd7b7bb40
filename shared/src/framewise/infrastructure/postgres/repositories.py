"""SQL repositories over one AsyncSession (the unit of work owns the transaction)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, not_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from framewise.application.results import (
    CommittedWindow,
    KnownFile,
    RunProgress,
    RunSummary,
    SelectedTask,
    TaskSelection,
)
from framewise.domain.analysis_settings import Scope, SettingsLayer
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.errors import TaskNotFound, VideoNotFound
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import Moment
from framewise.domain.payloads import MomentType
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.task import Task
from framewise.domain.video import FileLocation, Video, VideoStatus
from framewise.domain.windows import Window
from framewise.infrastructure.postgres.mapping import (
    ARTIFACT_COLUMNS,
    PROVENANCE_FIELDS,
    WRITTEN_MOMENT_COLUMNS,
    artifact_record,
    location_from_row,
    location_to_row,
    run_row,
    task_from_row,
    task_to_row,
    video_from_row,
    video_to_row,
    written_moment_record,
)
from framewise.infrastructure.postgres.persons import SqlPersonRepository
from framewise.infrastructure.postgres.speakers import SqlSpeakerRepository
from framewise.infrastructure.postgres.tables import (
    analysis_settings,
    artifacts,
    faces,
    runs,
    task_windows,
    tasks,
    video_files,
    videos,
    voices,
)
from framewise.infrastructure.postgres.tables import moments as moments_table

SHARED_STATUSES = [VideoStatus.READY.value, VideoStatus.MISSING.value]  # content a new file can join


class SqlTaskRepository:
    """Tasks in PostgreSQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, task_id: TaskId, *, for_update: bool = False) -> Task:
        query = select(tasks).where(tasks.c.id == task_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            raise TaskNotFound(task_id)
        return task_from_row(row)

    async def add(self, task: Task) -> None:
        await self._session.execute(insert(tasks).values(task_to_row(task)))

    async def save(self, task: Task) -> None:
        row = task_to_row(task)
        await self._session.execute(update(tasks).where(tasks.c.id == row.pop("id")).values(row))

    async def delete_for_video(self, video_id: VideoId) -> None:
        await self._session.execute(delete(tasks).where(tasks.c.video_id == video_id))

    async def unfinished(self, *, running_only: bool = False) -> list[Task]:
        statuses = ["RUNNING"] if running_only else ["PENDING", "RUNNING"]
        query = select(tasks).where(tasks.c.status.in_(statuses)).order_by(tasks.c.created_at)
        return [task_from_row(r) for r in (await self._session.execute(query)).mappings()]

    async def select(self, selection: TaskSelection, *, for_update: bool = False) -> list[SelectedTask]:
        conditions: list[ColumnElement[bool]] = []
        if selection.statuses:
            conditions.append(tasks.c.status.in_([s.value for s in selection.statuses]))
        if selection.task_types:
            conditions.append(tasks.c.task_type.in_([t.value for t in selection.task_types]))
        if selection.video_id is not None:
            conditions.append(tasks.c.video_id == selection.video_id)
        if selection.root is not None:
            conditions.append(videos.c.root == selection.root)
        if selection.folder:
            prefix = selection.folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(videos.c.path.like(f"{prefix}/%", escape="\\"))
        query = (
            select(tasks, videos.c.root.label("video_root"), videos.c.path.label("video_path"))
            .join(videos, videos.c.id == tasks.c.video_id)
            .where(*conditions)
            .order_by(tasks.c.created_at, tasks.c.id)
        )
        if for_update:
            query = query.with_for_update(of=tasks)
        rows = (await self._session.execute(query)).mappings()
        return [SelectedTask(task_from_row(r), r["video_root"], r["video_path"]) for r in rows]


class SqlVideoRepository:
    """Videos in PostgreSQL, each with its rows of `video_files`. `save` writes only the locations
    that changed since the video was read, so a video with many copies costs one row per change."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._read: dict[VideoId, dict[tuple[str, str], FileLocation]] = {}  # locations as read

    async def get(self, video_id: VideoId, *, for_update: bool = False) -> Video:
        query = select(videos).where(videos.c.id == video_id)
        video = await self._one(query.with_for_update() if for_update else query)
        if video is None:
            raise VideoNotFound(video_id)
        return video

    async def by_path(self, root: str, path: str) -> Video | None:
        owner = select(video_files.c.video_id).where(video_files.c.root == root, video_files.c.path == path)
        return await self._one(select(videos).where(videos.c.id.in_(owner.scalar_subquery())).with_for_update())

    async def by_content(self, content_hash: str) -> Video | None:
        # No row to lock before the first video of this content exists: a transaction-scoped lock
        # on the fingerprint makes two registrations of the same new content take turns.
        await self._session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(content_hash, 0))))
        query = (
            select(videos)
            .where(videos.c.content_hash == content_hash, videos.c.status.in_(SHARED_STATUSES))
            .order_by(videos.c.discovered_at, videos.c.id)
            .limit(1)
            .with_for_update()
        )
        return await self._one(query)

    async def known_files(self, root: str) -> dict[str, KnownFile]:
        query = select(
            video_files.c.path,
            video_files.c.video_id,
            video_files.c.size,
            video_files.c.mtime,
            video_files.c.missing_since,
        ).where(video_files.c.root == root)
        return {
            path: KnownFile(VideoId(vid), size, mtime, missing=gone is not None)
            for path, vid, size, mtime, gone in (await self._session.execute(query)).all()
        }

    async def add(self, video: Video) -> None:
        await self._session.execute(insert(videos).values(video_to_row(video)))
        await self._put_locations(video, video.locations)
        self._read[video.id] = {(f.root, f.path): f for f in video.locations}

    async def save(self, video: Video) -> None:
        row = video_to_row(video)
        await self._session.execute(update(videos).where(videos.c.id == row.pop("id")).values(row))
        now = {(f.root, f.path): f for f in video.locations}
        before = self._read.get(video.id)
        gone = delete(video_files).where(video_files.c.video_id == video.id)
        if before is None:  # not read in this unit of work: make the rows exactly these
            if now:
                gone = gone.where(tuple_(video_files.c.root, video_files.c.path).not_in(list(now)))
            await self._session.execute(gone)
            await self._put_locations(video, video.locations)
        else:
            left = [key for key in before if key not in now]
            if left:  # (a location another video took meanwhile is that video's row now: kept)
                await self._session.execute(gone.where(tuple_(video_files.c.root, video_files.c.path).in_(left)))
            await self._put_locations(video, [f for key, f in now.items() if before.get(key) != f])
        self._read[video.id] = now

    async def delete(self, video_id: VideoId) -> None:
        # Cascades: its files, tasks (then runs, whose trigger takes their artifacts; windows) and moments.
        deleted = await self._session.execute(delete(videos).where(videos.c.id == video_id).returning(videos.c.id))
        if deleted.first() is None:
            raise VideoNotFound(video_id)
        await SqlPersonRepository(self._session).prune()  # its faces went with it: a person with none left goes
        await SqlSpeakerRepository(self._session).prune()  # so did its voices

    async def _put_locations(self, video: Video, locations: Sequence[FileLocation]) -> None:
        if not locations:
            return
        statement = pg_insert(video_files).values([location_to_row(video, f) for f in locations])
        columns = ("video_id", "size", "mtime", "missing_since")
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[video_files.c.root, video_files.c.path],
                set_={c: statement.excluded[c] for c in columns},
            )
        )

    async def _one(self, query: Select[Any]) -> Video | None:
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        files = (
            select(video_files)
            .where(video_files.c.video_id == row["id"])
            .order_by(video_files.c.root, video_files.c.path)
        )
        video = video_from_row(row, [location_from_row(f) for f in (await self._session.execute(files)).mappings()])
        self._read[video.id] = {(f.root, f.path): f for f in video.locations}
        return video


# A run that readers see and that finished (a re-index keeps it until its own run completes), and
# every other run but the superseded ones: the run being built, which a new pass may discard.
_FINISHED_AND_SHOWN = and_(runs.c.state == "current", runs.c.completed_at.is_not(None))
_BEING_BUILT = and_(runs.c.state != "superseded", not_(_FINISHED_AND_SHOWN))


class SqlArtifactRepository:
    """Artifacts in PostgreSQL, written with COPY: one task can carry tens of thousands of rows."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace_for_task(
        self, task_id: TaskId, envelopes: Sequence[ArtifactEnvelope], moments: Sequence[Moment] = ()
    ) -> int:
        """The task's artifacts (and their runs and moments) become exactly these, in the caller's
        transaction."""
        # Deleting the task's runs deletes their artifacts (a trigger: see tables.py), and every artifact
        # belongs to a run of its task.
        await self._session.execute(delete(runs).where(runs.c.task_id == task_id))
        if not envelopes:
            return 0
        provenances: dict[str, Provenance] = {}
        for envelope in envelopes:
            known = provenances.setdefault(envelope.provenance.run_id, envelope.provenance)
            if known is not envelope.provenance and known != envelope.provenance:
                raise ValueError(f"run {known.run_id}: its artifacts carry different provenance")
            if envelope.task_id != task_id:
                raise ValueError(f"artifact {envelope.id} belongs to task {envelope.task_id}, not {task_id}")
        await self._session.execute(insert(runs), [run_row(task_id, p) for p in provenances.values()])
        await self._copy("artifacts", [artifact_record(e) for e in envelopes], ARTIFACT_COLUMNS)
        if moments:
            video_id = envelopes[0].video_id
            await self._copy(
                "moments", [written_moment_record(video_id, task_id, m) for m in moments], WRITTEN_MOMENT_COLUMNS
            )
        return len(envelopes)

    async def run_progress(self, task_id: TaskId) -> RunProgress:
        shown = await self._session.scalar(
            select(runs.c.run_id).where(runs.c.task_id == task_id, _FINISHED_AND_SHOWN).limit(1)
        )
        query = select(task_windows).where(task_windows.c.task_id == task_id).order_by(task_windows.c.window_index)
        rows = (await self._session.execute(query)).mappings().all()
        if not rows:
            return RunProgress(shown_run=shown)
        run = (await self._session.execute(select(runs).where(runs.c.run_id == rows[0]["run_id"]))).mappings().one()
        return RunProgress(
            run=Provenance(**{name: run[name] for name in PROVENANCE_FIELDS}),
            windows={
                r["window_index"]: CommittedWindow(r["start_ms"], r["end_ms"], r["compute_ms"], r["committed_at"])
                for r in rows
            },
            shown_run=shown,
        )

    async def reset_run(self, task_id: TaskId) -> None:
        # Deleting the runs deletes their artifacts (a trigger), moments and windows (cascades).
        await self._session.execute(delete(runs).where(runs.c.task_id == task_id, _BEING_BUILT))

    async def restart_windows(self, task_id: TaskId) -> None:
        await self._session.execute(delete(task_windows).where(task_windows.c.task_id == task_id))

    async def finish_run(self, task_id: TaskId, run_id: str, now: datetime) -> None:
        state = await self._session.scalar(
            update(runs).where(runs.c.run_id == run_id).values(completed_at=now).returning(runs.c.state)
        )
        if state != "next":
            return
        # The swap, in the caller's transaction: the finished run it replaces is superseded (its row
        # stays, listed as an old run; its artifacts and moments go) and this one is shown.
        old = select(runs.c.run_id).where(runs.c.task_id == task_id, runs.c.state == "current").scalar_subquery()
        await self._session.execute(delete(moments_table).where(moments_table.c.run_id.in_(old)))
        await self._session.execute(
            delete(artifacts).where(artifacts.c.task_id == task_id, artifacts.c.run_id.in_(old))
        )
        # Its faces too (this run's were placed first, beside them, so their persons carry over);
        # a person left with no face goes.
        if (await self._session.execute(delete(faces).where(faces.c.run_id.in_(old)))).rowcount:  # type: ignore[attr-defined]
            await SqlPersonRepository(self._session).prune()
        # And its voices (this run's were placed first too); a speaker left with none goes.
        if (await self._session.execute(delete(voices).where(voices.c.run_id.in_(old)))).rowcount:  # type: ignore[attr-defined]
            await SqlSpeakerRepository(self._session).prune()
        await self._session.execute(
            update(runs)
            .where(runs.c.task_id == task_id, runs.c.state == "current")
            .values(state="superseded", superseded_at=now)
        )
        await self._session.execute(update(runs).where(runs.c.run_id == run_id).values(state="current"))

    async def shown_runs(self, task_ids: Sequence[TaskId]) -> dict[TaskId, Provenance]:
        query = select(runs).where(runs.c.task_id.in_(task_ids), _FINISHED_AND_SHOWN)
        rows = (await self._session.execute(query)).mappings()
        return {TaskId(r["task_id"]): Provenance(**{name: r[name] for name in PROVENANCE_FIELDS}) for r in rows}

    async def runs_of(self, task_id: TaskId) -> list[RunSummary]:
        count = (
            select(func.count())
            .select_from(artifacts)
            .where(artifacts.c.task_id == task_id, artifacts.c.run_id == runs.c.run_id)
            .scalar_subquery()
        )
        query = (
            select(runs, count.label("artifact_count"))
            .where(runs.c.task_id == task_id)
            .order_by(runs.c.created_at.desc().nulls_last(), runs.c.run_id)
        )
        return [
            RunSummary(
                provenance=Provenance(**{name: row[name] for name in PROVENANCE_FIELDS}),
                state=row["state"],
                created_at=row["created_at"],
                completed_at=row["completed_at"],
                superseded_at=row["superseded_at"],
                artifacts=row["artifact_count"],
            )
            for row in (await self._session.execute(query)).mappings()
        ]

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
        if any(e.task_id != task_id or e.provenance.run_id != run.run_id for e in envelopes):
            raise ValueError(f"window {window.index}: artifacts of another task or run")
        if fresh:  # in one round trip: any other unfinished run of the task goes, this one is created
            gone = delete(runs).where(runs.c.task_id == task_id, runs.c.run_id != run.run_id, _BEING_BUILT).cte("gone")
            row = {**run_row(task_id, run), "state": "next" if hidden else "current", "created_at": now}
            created = pg_insert(runs).values(row).on_conflict_do_nothing(index_elements=["run_id"])
            await self._session.execute(created.add_cte(gone))
        if replace:
            await self._session.execute(delete(artifacts).where(artifacts.c.run_id == run.run_id))
        if envelopes:
            await self._copy("artifacts", [artifact_record(e) for e in envelopes], ARTIFACT_COLUMNS)
        await self._session.execute(
            insert(task_windows).values(
                task_id=task_id,
                window_index=window.index,
                start_ms=window.start_ms,
                end_ms=window.end_ms,
                run_id=run.run_id,
                attempt=attempt,
                items=len(envelopes),
                compute_ms=compute_ms,
                committed_at=now,
            )
        )
        return len(envelopes)

    async def run_payloads(self, run_id: str) -> list[dict[str, JsonValue]]:
        query = (
            select(artifacts.c.payload)
            .where(artifacts.c.run_id == run_id)
            .order_by(artifacts.c.span_start_ms, artifacts.c.created_at, artifacts.c.id)
        )
        return [dict(p) for p in (await self._session.execute(query)).scalars()]

    async def replace_moments(
        self, task_id: TaskId, video_id: VideoId, run_id: str, moments: Sequence[Moment], *, fresh: bool = False
    ) -> None:
        if not fresh:  # (person and speaker moments of the run are the persons' and speakers' to keep)
            await self._session.execute(
                delete(moments_table).where(
                    moments_table.c.run_id == run_id,
                    moments_table.c.face_id.is_(None),
                    moments_table.c.moment_type != MomentType.SPEAKER.value,
                )
            )
        if moments:
            await self._copy(
                "moments", [written_moment_record(video_id, task_id, m) for m in moments], WRITTEN_MOMENT_COLUMNS
            )

    async def _copy(self, table: str, records: list[tuple[Any, ...]], columns: Sequence[str]) -> None:
        """COPY rows in the session's transaction (asyncpg's bulk path, which SQLAlchemy lacks)."""
        connection = await self._session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table, records=records, columns=columns)


class SqlSettingsRepository:
    """The layers of analysis settings, one row each."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> list[SettingsLayer]:
        rows = (await self._session.execute(select(analysis_settings))).mappings()
        return [
            SettingsLayer(
                scope=Scope(row["scope"]),
                analyses={TaskType(name): dict(config) for name, config in row["analyses"].items()},
                root=row["root"],
                folder=row["folder"],
                video_id=VideoId(row["video_id"]) if row["video_id"] else None,
                updated_at=row["updated_at"],
            )
            for row in rows
        ]

    async def put(self, layer: SettingsLayer) -> None:
        row = {
            "scope_key": layer.key,
            "scope": layer.scope.value,
            "root": layer.root,
            "folder": layer.folder,
            "video_id": layer.video_id,
            "analyses": {task_type.value: config for task_type, config in layer.analyses.items()},
            "updated_at": layer.updated_at,
        }
        statement = pg_insert(analysis_settings).values(row)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["scope_key"],
                set_={"analyses": statement.excluded.analyses, "updated_at": statement.excluded.updated_at},
            )
        )

    async def delete(self, key: str) -> bool:
        gone = await self._session.execute(
            delete(analysis_settings)
            .where(analysis_settings.c.scope_key == key)
            .returning(analysis_settings.c.scope_key)
        )
        return gone.first() is not None
