from typing import cast

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from framewise_ml.container import MlContainer

router = APIRouter(tags=["health"])


def health_body(container: MlContainer) -> dict[str, object]:
    registry, gate = container.registry, container.gate
    return {
        "status": registry.overall(),
        "device": registry.device,
        "models": {
            name: {
                "state": m.status.state.value,
                "reason": m.status.reason,
                "producer": m.producer,
                "version": m.producer_version,
                "weights": m.weights,
                "load_ms": m.status.load_ms,
            }
            for name, m in registry.models.items()
        },
        "gate": {
            "concurrency": gate.concurrency,
            "running": gate.running,
            "waiting": gate.waiting,
            "queue_limit": gate.queue_limit,
        },
    }


@router.get("/health")
@router.get("/readyz")
async def health(request: Request) -> JSONResponse:
    """Overall status (healthy, degraded, unhealthy), each model's state, the device and the gate."""
    body = health_body(cast(MlContainer, request.app.state.container))
    return JSONResponse(body, status_code=503 if body["status"] == "unhealthy" else 200)


@router.get("/livez")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
