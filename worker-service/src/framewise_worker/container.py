"""The worker's composition root: one per process, kept in arq's ctx. It owns the process's
connections (PostgreSQL, Valkey, the ML service) and the retry policy, built once from settings."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Self, cast

import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from framewise.application.use_cases.person_regrouper import PersonRegrouper
from framewise.application.use_cases.task_reconciler import TaskReconciler
from framewise.application.use_cases.task_runner import TaskRunner
from framewise.domain.retry import RetryPolicy
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.media.paths import resolve_roots
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise.infrastructure.queue.regroup_queue import ValkeyRegroupQueue
from framewise_worker.settings import WorkerSettings


@dataclass
class WorkerContainer:
    settings: WorkerSettings
    policy: RetryPolicy
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    valkey: ArqRedis
    roots: list[str]

    @classmethod
    async def open(cls, settings: WorkerSettings) -> Self:
        engine = create_engine(
            settings.database_url, pool_size=max(settings.gpu_concurrency, settings.cpu_concurrency) * 2 + 2
        )
        http = HttpxMlClient.create(
            settings.ml_service_url, token=settings.ml_token, read_timeout=settings.ml_request_timeout_s
        )
        valkey = await open_pool(settings.valkey_url)
        return cls(
            settings,
            settings.retry_policy(),
            engine,
            session_factory(engine),
            http,
            valkey,
            resolve_roots(settings.media_roots),
        )

    async def close(self) -> None:
        await self.http.aclose()
        await self.valkey.aclose()
        await self.engine.dispose()

    @cached_property
    def ml(self) -> HttpxMlClient:
        """One client per process, so its cached view of the ML service's health is shared by every job."""
        return HttpxMlClient(self.http, self.policy)

    def task_runner(self) -> TaskRunner:
        return TaskRunner(
            SqlUnitOfWork(self.sessions),
            self.ml,
            KeptResults(self.valkey),
            LocalMediaLibrary(self.roots),
            SystemClock(),
            SqlHeartbeats(self.sessions),
            self.policy,
            heartbeat_s=self.settings.heartbeat_s,
            windows=self.settings.window_sizes(),
        )

    def person_regrouper(self) -> PersonRegrouper:
        return PersonRegrouper(SqlUnitOfWork(self.sessions), SystemClock(), ValkeyRegroupQueue(self.valkey))

    def task_reconciler(self) -> TaskReconciler:
        # arq keeps a taken job's in-progress key for the job timeout plus 10 s (its Worker does so).
        queue = ArqJobQueue(self.valkey, in_progress_timeout_s=self.settings.job_timeout_s + 10)
        return TaskReconciler(SqlUnitOfWork(self.sessions), queue, SystemClock(), self.policy)


def container_of(ctx: dict[str, Any]) -> WorkerContainer:
    return cast(WorkerContainer, ctx["container"])
