"""The API application: lifespan opens the container; routers only translate HTTP to use cases."""

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI
from prometheus_client import REGISTRY

from framewise.infrastructure.local_services import JsonFileLocalServices
from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.settings import load_settings
from framewise.infrastructure.web import ObservabilityMiddleware, SecurityHeadersMiddleware, serve_app
from framewise_api import docs, problems, ui
from framewise_api.container import ApiContainer
from framewise_api.dependencies import reject_unknown_query
from framewise_api.media_auth import MediaSigner
from framewise_api.queue_metrics import QueueCollector
from framewise_api.routers import (
    artifacts,
    health,
    media,
    paths,
    persons,
    reindex,
    search,
    session,
    speakers,
    system,
    tasks,
    videos,
)
from framewise_api.routers import settings as settings_routes
from framewise_api.security import TokenChecker
from framewise_api.service_metrics import LocalServiceCollector
from framewise_api.settings import ApiSettings

log = structlog.get_logger("framewise.api")


def create_app(settings: ApiSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await ApiContainer.open(settings)
        app.state.container = container
        queues = QueueCollector(settings.valkey_url)
        REGISTRY.register(queues)
        local_services = LocalServiceCollector(JsonFileLocalServices(settings.services_state_file))
        REGISTRY.register(local_services)
        log.info(
            "service_started",
            media_roots=container.roots,
            upload_dir=str(container.uploads.folder),
            port=settings.api_port,
            tokens=len(settings.api_tokens),
            discover_on_start=settings.discover_on_start,
            discovery_interval_s=settings.discovery_interval_s,
            discovery_watch=settings.discovery_watch,
        )
        container.discovery.start(at_start=settings.discover_on_start)
        try:
            yield
        finally:
            await container.discovery.stop()
            REGISTRY.unregister(queues)
            REGISTRY.unregister(local_services)
            queues.close()
            await container.close()
            log.info("service_stopped")

    app = FastAPI(
        title="Framewise API",
        version="0.1.0",
        description="Turn a video library into a searchable, time-coded index.",
        lifespan=lifespan,
        redirect_slashes=False,  # a redirect would be built from the client's Host header: 404 instead
        dependencies=[Depends(reject_unknown_query)],  # an unknown query parameter is a 422 on every route
        docs_url=None,  # docs.install serves /docs and /redoc with their assets, never from a CDN
        redoc_url=None,
    )
    app.state.token_checker = TokenChecker(settings.api_tokens)
    app.state.media_signer = MediaSigner.from_settings(settings)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ObservabilityMiddleware, quiet_paths=frozenset({"/healthz", "/metrics"}))
    problems.install(app)
    docs.install(app)
    routers = (health.router, paths.router, tasks.router, videos.router, media.router, artifacts.router, search.router)
    for router in routers:
        app.include_router(router)
    app.include_router(session.router)
    app.include_router(session.sessions_router)
    app.include_router(system.router)
    app.include_router(settings_routes.router)
    app.include_router(settings_routes.video_router)
    app.include_router(reindex.router)
    app.include_router(persons.router)
    app.include_router(speakers.router)
    ui.install(app, settings)  # last: the UI's pages never shadow a route above
    return app


def serve(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="framewise-api",
        allow_abbrev=False,
        description="Run the REST API (uvicorn): discovery, tasks, artifacts, search and media, with its docs "
        "at /docs. Configured by environment variables (DATABASE_URL, VALKEY_URL, API_TOKENS, MEDIA_ROOTS, ...; "
        "see the README's settings table); apply the migrations first (framewise-migrate upgrade).",
    ).parse_args(argv)
    settings = load_settings(ApiSettings)
    configure_logging("api", settings.log_format, settings.log_level)
    serve_app(create_app(settings), settings.api_host, settings.api_port)


if __name__ == "__main__":
    serve()
