"""SQL repositories over one AsyncSession (the unit of work owns the transaction)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from framewise.application.results import CommittedWindow, KnownFile, RunProgress
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.errors import TaskNotFound, VideoNotFound
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import Moment
from framewise.domain.provenance import Provenance
from framewise.domain.task import Task
from framewise.domain.video import Video
from framewise.domain.windows import Window
from framewise.infrastructure.postgres.mapping import (
    ARTIFACT_COLUMNS,
    MOMENT_COLUMNS,
    PROVENANCE_FIELDS,
    artifact_record,
    moment_record,
    run_row,
    task_from_row,
    task_to_row,
    video_from_row,
    video_to_row,
)
from framewise.infrastructure.postgres.tables import artifacts, runs, task_windows, tasks, videos
from framewise.infrastructure.postgres.tables import moments as moments_table


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


class SqlVideoRepository:
    """Videos in PostgreSQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, video_id: VideoId) -> Video:
        row = (await self._session.execute(select(videos).where(videos.c.id == video_id))).mappings().first()
        if row is None:
            raise VideoNotFound(video_id)
        return video_from_row(row)

    async def by_path(self, root: str, path: str) -> Video | None:
        query = select(videos).where(videos.c.root == root, videos.c.path == path).with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return video_from_row(row) if row is not None else None

    async def known_files(self, root: str) -> dict[str, KnownFile]:
        query = select(videos.c.path, videos.c.id, videos.c.size, videos.c.mtime).where(videos.c.root == root)
        return {
            path: KnownFile(VideoId(vid), size, mtime)
            for path, vid, size, mtime in (await self._session.execute(query)).all()
        }

    async def add(self, video: Video) -> None:
        await self._session.execute(insert(videos).values(video_to_row(video)))

    async def save(self, video: Video) -> None:
        row = video_to_row(video)
        await self._session.execute(update(videos).where(videos.c.id == row.pop("id")).values(row))


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
            await self._copy("moments", [moment_record(video_id, task_id, m) for m in moments], MOMENT_COLUMNS)
        return len(envelopes)

    async def run_progress(self, task_id: TaskId) -> RunProgress:
        query = select(task_windows).where(task_windows.c.task_id == task_id).order_by(task_windows.c.window_index)
        rows = (await self._session.execute(query)).mappings().all()
        if not rows:
            return RunProgress()
        run = (await self._session.execute(select(runs).where(runs.c.run_id == rows[0]["run_id"]))).mappings().one()
        return RunProgress(
            run=Provenance(**{name: run[name] for name in PROVENANCE_FIELDS}),
            windows={r["window_index"]: CommittedWindow(r["start_ms"], r["end_ms"], r["compute_ms"]) for r in rows},
        )

    async def reset_run(self, task_id: TaskId) -> None:
        # Deleting the runs deletes their artifacts (a trigger), moments and windows (cascades).
        await self._session.execute(delete(runs).where(runs.c.task_id == task_id))

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
    ) -> int:
        if any(e.task_id != task_id or e.provenance.run_id != run.run_id for e in envelopes):
            raise ValueError(f"window {window.index}: artifacts of another task or run")
        if fresh:  # in one round trip: any other run of the task goes, this one is created
            gone = delete(runs).where(runs.c.task_id == task_id, runs.c.run_id != run.run_id).cte("gone")
            created = pg_insert(runs).values(run_row(task_id, run)).on_conflict_do_nothing(index_elements=["run_id"])
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
        if not fresh:
            await self._session.execute(delete(moments_table).where(moments_table.c.run_id == run_id))
        if moments:
            await self._copy("moments", [moment_record(video_id, task_id, m) for m in moments], MOMENT_COLUMNS)

    async def _copy(self, table: str, records: list[tuple[Any, ...]], columns: Sequence[str]) -> None:
        """COPY rows in the session's transaction (asyncpg's bulk path, which SQLAlchemy lacks)."""
        connection = await self._session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table, records=records, columns=columns)
