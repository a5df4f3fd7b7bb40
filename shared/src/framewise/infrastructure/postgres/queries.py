"""Read side: filtered, sorted, paginated listings computed in SQL, with totals."""

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.application.results import (
    ArtifactFilter,
    Page,
    TaskCount,
    TaskFilter,
    TaskSort,
    VideoFilter,
    VideoSort,
)
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.ids import VideoId
from framewise.domain.payloads import ArtifactType
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, TaskStatus
from framewise.domain.video import FileLocation, Video
from framewise.infrastructure.postgres.mapping import (
    RUN_FIELDS,
    artifact_from_row,
    location_from_row,
    task_from_row,
    video_from_row,
)
from framewise.infrastructure.postgres.tables import artifacts, runs, speakers, tasks, video_files, videos, voices

T = TypeVar("T")


async def _page(
    sessions: async_sessionmaker[AsyncSession],
    rows: Select[Any],
    total: Select[Any],
    mapper: Callable[[Mapping[Any, Any]], T],
    *,
    limit: int,
    offset: int,
) -> Page[T]:
    """The page and its total, each on its own connection at once: PostgreSQL runs them in parallel,
    so a listing costs the slower of the two instead of their sum (each statement reads its own
    snapshot either way under READ COMMITTED)."""

    async def fetch() -> list[T]:
        async with sessions() as session:
            return [mapper(r) for r in (await session.execute(rows)).mappings()]

    async def count() -> int:
        async with sessions() as session:
            return int((await session.execute(total)).scalar_one())

    items, counted = await asyncio.gather(fetch(), count())
    return Page(items=items, total=counted, limit=limit, offset=offset)


def _running_time() -> ColumnElement[Any]:
    """`Task.running_time` in SQL: start to end, or to now while it runs."""
    return func.coalesce(tasks.c.completed_at, func.now()) - tasks.c.started_at


class SqlTaskQueries:
    """Task listings straight from PostgreSQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list_tasks(self, query: TaskFilter) -> Page[Task]:
        conditions = []
        if query.task_id is not None:
            conditions.append(tasks.c.id == query.task_id)
        if query.status is not None:
            conditions.append(tasks.c.status == query.status.value)
        if query.task_type is not None:
            conditions.append(tasks.c.task_type == query.task_type.value)
        if query.video_ids:
            conditions.append(tasks.c.video_id.in_(query.video_ids))
        key: ColumnElement[Any] = {
            TaskSort.CREATED_AT: tasks.c.created_at,
            TaskSort.STARTED_AT: tasks.c.started_at,
            TaskSort.RUNNING_TIME: _running_time(),
        }[query.sort]
        order = key.desc().nulls_last() if query.descending else key.asc().nulls_last()
        rows: Select[Any] = (
            select(tasks).where(*conditions).order_by(order, tasks.c.id).limit(query.limit).offset(query.offset)
        )
        total = select(func.count()).select_from(tasks).where(*conditions)
        return await _page(self._sessions, rows, total, task_from_row, limit=query.limit, offset=query.offset)

    async def count_tasks(self) -> list[TaskCount]:
        """Tasks by status and type, and how many of each wait for their model: one grouped scan."""
        waiting = func.count().filter(tasks.c.waiting_reason.is_not(None))
        query = select(tasks.c.status, tasks.c.task_type, func.count(), waiting).group_by(
            tasks.c.status, tasks.c.task_type
        )
        async with self._sessions() as session:
            rows = (await session.execute(query.order_by(tasks.c.status, tasks.c.task_type))).all()
        return [TaskCount(TaskStatus(s), TaskType(t), int(n), int(w)) for s, t, n, w in rows]


class SqlArtifactQueries:
    """Artifact listings straight from PostgreSQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list_artifacts(self, query: ArtifactFilter) -> Page[ArtifactEnvelope]:
        conditions = []
        if query.video_id is not None:
            conditions.append(artifacts.c.video_id == query.video_id)
        if query.task_id is not None:
            conditions.append(artifacts.c.task_id == query.task_id)
        if query.artifact_type is not None:
            conditions.append(artifacts.c.artifact_type == query.artifact_type.value)
        if query.start_ms is not None:
            conditions.append(artifacts.c.span_end_ms >= query.start_ms)
        if query.end_ms is not None:
            conditions.append(artifacts.c.span_start_ms < query.end_ms)
        if query.run_id is not None:
            # A run belongs to one task: find it through `runs`, then use the task's index.
            run_task = select(runs.c.task_id).where(runs.c.run_id == query.run_id).scalar_subquery()
            conditions += [artifacts.c.task_id == run_task, artifacts.c.run_id == query.run_id]
        else:  # a re-index run stays hidden until it completes and replaces the one shown
            building = select(runs.c.run_id).where(runs.c.state == "next")
            conditions.append(artifacts.c.run_id.not_in(building))
        # A transcript item's speaker: the turn of its run with its span (framewise.domain.voices).
        spoken = (
            select(speakers.c.id.label("speaker_id"), speakers.c.name.label("speaker_name"))
            .add_columns(speakers.c.number.label("speaker_number"))
            .join(speakers, speakers.c.id == voices.c.speaker_id)
            .where(
                artifacts.c.artifact_type == ArtifactType.TRANSCRIPT_SEGMENT.value,
                voices.c.run_id == artifacts.c.run_id,
                voices.c.start_ms == artifacts.c.span_start_ms,
                voices.c.end_ms == func.greatest(artifacts.c.span_end_ms, artifacts.c.span_start_ms + 1),
            )
            .limit(1)
            .lateral("spoken")
        )
        rows = (
            select(artifacts, *(runs.c[f] for f in RUN_FIELDS), spoken)
            .join(runs, runs.c.run_id == artifacts.c.run_id)
            .outerjoin(spoken, true())
            .where(*conditions)
            .order_by(artifacts.c.span_start_ms, artifacts.c.artifact_type, artifacts.c.id)
            .limit(query.limit)
            .offset(query.offset)
        )
        total = select(func.count()).select_from(artifacts).where(*conditions)
        return await _page(self._sessions, rows, total, artifact_from_row, limit=query.limit, offset=query.offset)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlVideoQueries:
    """Video listings straight from PostgreSQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list_videos(self, query: VideoFilter) -> Page[Video]:
        conditions = []
        if query.video_id is not None:
            conditions.append(videos.c.id == query.video_id)
        if query.status is not None:
            conditions.append(videos.c.status == query.status.value)
        if query.path_contains:
            pattern = f"%{_escape_like(query.path_contains)}%"
            in_a_file = select(video_files.c.video_id).where(video_files.c.path.ilike(pattern, escape="\\"))
            conditions.append(or_(videos.c.path.ilike(pattern, escape="\\"), videos.c.id.in_(in_a_file)))
        key: ColumnElement[Any] = {
            VideoSort.DISCOVERED_AT: videos.c.discovered_at,
            VideoSort.PATH: videos.c.path,
            VideoSort.SIZE: videos.c.size,
            VideoSort.DURATION: videos.c.duration_ms,
        }[query.sort]
        order = key.desc().nulls_last() if query.descending else key.asc().nulls_last()
        rows = select(videos).where(*conditions).order_by(order, videos.c.id).limit(query.limit).offset(query.offset)
        total = select(func.count()).select_from(videos).where(*conditions)
        page = await _page(self._sessions, rows, total, video_from_row, limit=query.limit, offset=query.offset)
        await self._with_locations(page.items)
        return page

    async def find(self, video_id: VideoId) -> Video | None:
        async with self._sessions() as session:
            row = (await session.execute(select(videos).where(videos.c.id == video_id))).mappings().first()
        if row is None:
            return None
        video = video_from_row(row)
        await self._with_locations([video])
        return video

    async def _with_locations(self, found: list[Video]) -> None:
        """Each video's files, in one query for the page."""
        if not found:
            return
        query = (
            select(video_files)
            .where(video_files.c.video_id.in_([v.id for v in found]))
            .order_by(video_files.c.root, video_files.c.path)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).mappings().all()
        by_video: dict[Any, list[FileLocation]] = {}
        for row in rows:
            by_video.setdefault(row["video_id"], []).append(location_from_row(row))
        for video in found:
            video.locations = by_video.get(video.id, [])
