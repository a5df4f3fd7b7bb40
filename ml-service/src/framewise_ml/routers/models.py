"""`POST /models/reload`: load the weights that arrived in the model cache since start-up, now."""

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from framewise.infrastructure.problems import problem, problem_responses
from framewise_ml.auth import require_token
from framewise_ml.container import MlContainer
from framewise_ml.gpu_gate import GateBusy
from framewise_ml.routers.health import model_body

router = APIRouter(prefix="/models", tags=["models"])


@router.post(
    "/reload",
    responses=problem_responses({401: "no or wrong ML_TOKEN", 503: "no GPU slot for the load; see Retry-After"}),
)
async def reload_models(request: Request, caller: Annotated[str, Depends(require_token)]) -> JSONResponse:
    """Load every model that is not ready (its weights may have arrived) and, where OBJECTS_MODEL or
    PLACES_MODEL is `auto`, the preferred model whose checkpoint arrived; no restart. The service
    also notices arrived weights by itself within seconds of being asked about its models.
    Answers each model looked at, before and after, and every model as /health shows it."""
    container = cast(MlContainer, request.app.state.container)
    try:
        changes = await container.watch.reload()
    except GateBusy as exc:
        headers = {"Retry-After": str(int(exc.retry_after))}
        return problem(request, 503, "Busy", str(exc), headers=headers)
    body: dict[str, Any] = {
        "changes": [c.as_json() for c in changes],
        "models": {name: model_body(m) for name, m in container.registry.models.items()},
    }
    return JSONResponse(body)
