"""The API's composition root: turns settings into adapters and hands out use cases."""

from dataclasses import dataclass
from typing import Self

from arq.connections import ArqRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from framewise.application.use_cases.artifact_lister import ArtifactLister
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_lister import TaskLister
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.media.paths import resolve_roots
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.queries import SqlArtifactQueries, SqlTaskQueries
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise_api.settings import ApiSettings


@dataclass
class ApiContainer:
    settings: ApiSettings
    roots: list[str]
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pool: ArqRedis

    @classmethod
    async def open(cls, settings: ApiSettings) -> Self:
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        pool = await open_pool(settings.valkey_url)
        return cls(settings, resolve_roots(settings.media_roots), engine, session_factory(engine), pool)

    async def close(self) -> None:
        await self.pool.aclose()
        await self.engine.dispose()

    def video_discoverer(self) -> VideoDiscoverer:
        return VideoDiscoverer(
            SqlUnitOfWork(self.sessions),
            LocalMediaLibrary(self.roots),
            AvMediaProber(),
            ArqJobQueue(self.pool),
            SystemClock(),
            roots=self.roots,
            task_configs={},
        )

    def task_enqueuer(self) -> TaskEnqueuer:
        return TaskEnqueuer(SqlUnitOfWork(self.sessions), ArqJobQueue(self.pool), SystemClock())

    def task_lister(self) -> TaskLister:
        return TaskLister(SqlTaskQueries(self.sessions))

    def artifact_lister(self) -> ArtifactLister:
        return ArtifactLister(SqlArtifactQueries(self.sessions))

    async def check_database(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_valkey(self) -> None:
        await self.pool.ping()
