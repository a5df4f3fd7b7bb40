"""The API application: lifespan opens the container; routers only translate HTTP to use cases."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
import uvicorn
from fastapi import FastAPI

from framewise.infrastructure.logging import configure_logging, new_correlation_id
from framewise.infrastructure.settings import load_settings
from framewise.infrastructure.web import ObservabilityMiddleware
from framewise_api import problems
from framewise_api.container import ApiContainer
from framewise_api.routers import health, paths, tasks, videos
from framewise_api.settings import ApiSettings

log = structlog.get_logger("framewise.api")


async def _discover_at_start(container: ApiContainer) -> None:
    correlation_id = new_correlation_id()
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
        try:
            report = await container.video_discoverer().execute(correlation_id)
            log.info(
                "discovery_finished",
                trigger="start",
                scanned=report.scanned,
                new=len(report.new),
                changed=len(report.changed),
                invalid=len(report.invalid),
                jobs_enqueued=report.jobs_enqueued,
            )
        except Exception:
            log.exception("discovery_failed", trigger="start")


def create_app(settings: ApiSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await ApiContainer.open(settings)
        app.state.container = container
        log.info(
            "service_started",
            media_roots=container.roots,
            port=settings.api_port,
            discover_on_start=settings.discover_on_start,
        )
        background = None
        if settings.discover_on_start:
            background = asyncio.create_task(_discover_at_start(container))
        try:
            yield
        finally:
            if background is not None:
                background.cancel()
                with suppress(asyncio.CancelledError):
                    await background
            await container.close()
            log.info("service_stopped")

    app = FastAPI(
        title="Framewise API",
        version="0.1.0",
        description="Turn a video library into a searchable, time-coded index.",
        lifespan=lifespan,
    )
    app.add_middleware(ObservabilityMiddleware, quiet_paths=frozenset({"/healthz", "/metrics"}))
    problems.install(app)
    for router in (health.router, paths.router, tasks.router, videos.router):
        app.include_router(router)
    return app


def serve() -> None:
    settings = load_settings(ApiSettings)
    configure_logging("api", settings.log_format, settings.log_level)
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None, access_log=False)


if __name__ == "__main__":
    serve()
