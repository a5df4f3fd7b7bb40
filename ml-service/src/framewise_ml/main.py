"""The ML service: lifespan loads and warms every model before the service reports ready."""

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.problems import install_common
from framewise.infrastructure.settings import load_settings
from framewise.infrastructure.web import ObservabilityMiddleware, SecurityHeadersMiddleware, serve_app
from framewise_ml.container import MlContainer
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.routers import configs, health, infer, models
from framewise_ml.settings import MlSettings

log = structlog.get_logger("framewise.ml")


def create_app(settings: MlSettings, registry: ModelRegistry | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = MlContainer.build(settings, registry)
        if settings.require_gpu and container.registry.device.get("device") != "cuda":
            raise RuntimeError(f"REQUIRE_GPU is set but no GPU was found: {container.registry.device}")
        await asyncio.to_thread(container.registry.load_all)
        app.state.container = container
        log.info(
            "service_started",
            status=container.registry.overall(),
            gpu_concurrency=settings.gpu_concurrency,
            media_roots=container.roots,
            port=settings.ml_port,
        )
        yield
        await container.close()
        log.info("service_stopped")

    app = FastAPI(title="Framewise ML service", version="0.1.0", lifespan=lifespan, redirect_slashes=False)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ObservabilityMiddleware, quiet_paths=frozenset({"/health", "/livez", "/metrics"}))
    install_common(app)
    app.include_router(health.router)
    app.include_router(infer.router)
    app.include_router(configs.router)
    app.include_router(models.router)
    return app


def serve(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="framewise-ml",
        allow_abbrev=False,
        description="Run the ML service (uvicorn, internal only): it loads and warms the models from "
        "MODEL_CACHE_DIR, then answers /infer/* behind the GPU gate. Configured by environment variables "
        "(ML_TOKEN, MODEL_CACHE_DIR, MEDIA_ROOTS, GPU_CONCURRENCY, ...; see the README's settings table).",
    ).parse_args(argv)
    settings = load_settings(MlSettings)
    configure_logging("ml", settings.log_format, settings.log_level)
    serve_app(create_app(settings), settings.ml_host, settings.ml_port)


if __name__ == "__main__":
    serve()
