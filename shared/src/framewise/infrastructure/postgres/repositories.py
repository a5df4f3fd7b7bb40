"""SQL repositories over one AsyncSession (the unit of work owns the transaction)."""

from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from framewise.application.results import KnownFile
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.errors import TaskNotFound, VideoNotFound
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import Moment
from framewise.domain.provenance import Provenance
from framewise.domain.task import Task
from framewise.domain.video import Video
from framewise.infrastructure.postgres.mapping import (
    ARTIFACT_COLUMNS,
    MOMENT_COLUMNS,
    artifact_record,
    moment_record,
    run_row,
    task_from_row,
    task_to_row,
    video_from_row,
    video_to_row,
)
from framewise.infrastructure.postgres.tables import runs, tasks, videos


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
        connection = await self._session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            "artifacts", records=[artifact_record(e) for e in envelopes], columns=ARTIFACT_COLUMNS
        )
        if moments:
            video_id = envelopes[0].video_id
            await driver.copy_records_to_table(
                "moments", records=[moment_record(video_id, task_id, m) for m in moments], columns=MOMENT_COLUMNS
            )
        return len(envelopes)
