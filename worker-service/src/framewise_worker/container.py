"""The worker's composition root: one per process, kept in arq's ctx."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Self, cast

import httpx
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from framewise.application.use_cases.task_reconciler import TaskReconciler
from framewise.application.use_cases.task_runner import TaskRunner
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.media.paths import resolve_roots
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.valkey_result_cache import ValkeyMlResultCache
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue
from framewise_worker.settings import WorkerSettings


@dataclass
class WorkerContainer:
    settings: WorkerSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    roots: list[str]

    @classmethod
    async def open(cls, settings: WorkerSettings) -> Self:
        engine = create_engine(
            settings.database_url, pool_size=max(settings.gpu_concurrency, settings.cpu_concurrency) * 2 + 2
        )
        http = HttpxMlClient.create(
            settings.ml_service_url, token=settings.ml_token, read_timeout=settings.ml_request_timeout_s
        )
        return cls(settings, engine, session_factory(engine), http, resolve_roots(settings.media_roots))

    async def close(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()

    @cached_property
    def ml(self) -> HttpxMlClient:
        """One client per process, so its cached view of the ML service's health is shared by every job."""
        return HttpxMlClient(self.http)

    def task_runner(self, redis: Redis) -> TaskRunner:
        return TaskRunner(
            SqlUnitOfWork(self.sessions),
            self.ml,
            ValkeyMlResultCache(redis),
            LocalMediaLibrary(self.roots),
            SystemClock(),
            SqlHeartbeats(self.sessions),
        )

    def task_reconciler(self, redis: ArqRedis) -> TaskReconciler:
        return TaskReconciler(SqlUnitOfWork(self.sessions), ArqJobQueue(redis), SystemClock())


def container_of(ctx: dict[str, Any]) -> WorkerContainer:
    return cast(WorkerContainer, ctx["container"])
