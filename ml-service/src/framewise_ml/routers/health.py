from typing import cast

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from framewise_ml.container import MlContainer
from framewise_ml.models.base import InferenceModel
from framewise_ml.models.registry import gpu_memory

router = APIRouter(tags=["health"])


def _version(model: InferenceModel) -> str:
    try:
        return model.producer_version
    except Exception as exc:  # noqa: BLE001 - a library too broken to say its version is reported, not fatal
        return f"unknown ({type(exc).__name__})"


def model_body(m: InferenceModel) -> dict[str, object]:
    """One model as /health shows it: a model not ready says why (`reason`), and the weights files
    it lacks (`missing`, relative to the model cache); `options`, the service settings it runs with
    (faces: `recognition`, FACE_RECOGNITION)."""
    return {
        "state": m.status.state.value,
        "reason": m.status.reason,
        "missing": m.status.missing,
        "producer": m.producer,
        "selected_by": m.selected_by,
        "version": _version(m),
        "weights": m.weights,
        "options": m.options,
        "load_ms": m.status.load_ms,
    }


def health_body(container: MlContainer) -> dict[str, object]:
    registry, gate = container.registry, container.gate
    return {
        "status": registry.overall(),
        "device": {**registry.device, "gpu_memory": gpu_memory(), "cpu_budget": container.budget.as_dict()},
        "models": {name: model_body(m) for name, m in registry.models.items()},
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
    """Overall status (healthy, degraded, unhealthy), each model's state, the device and the gate.
    Asking also has the service look for weights that arrived in its cache (loaded in the background)."""
    container = cast(MlContainer, request.app.state.container)
    await container.watch.notice()
    body = health_body(container)
    return JSONResponse(body, status_code=503 if body["status"] == "unhealthy" else 200)


@router.get("/livez")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
