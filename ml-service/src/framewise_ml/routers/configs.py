"""`POST /configs/{endpoint}`: check a config the way a request with it would be read, and say what
it would run on (producer, version, profile, weights): the API validates analysis settings with it
before storing them, and compares a task's last run with it to find stale results."""

import asyncio
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from framewise.contracts.ml import ConfigCheckRequest, ModelIdentity
from framewise.domain.analyses import CATALOGUE, Analysis
from framewise.infrastructure.problems import problem_for, problem_responses, problem_type_of
from framewise_ml.auth import require_token
from framewise_ml.container import MlContainer
from framewise_ml.inference import INFER_PROBLEMS, ModelUnavailable
from framewise_ml.models.base import ModelState

router = APIRouter(prefix="/configs", tags=["configs"])
CONFIG_RESPONSES = problem_responses(
    {
        400: "a body that cannot be parsed",
        401: "no or wrong ML_TOKEN",
        422: "a config key or value the model refuses (the detail names the key)",
        503: "the model is unavailable; see Retry-After",
    }
)


async def _check(analysis: Analysis, body: ConfigCheckRequest, request: Request) -> Response:
    model = cast(MlContainer, request.app.state.container).registry.get(analysis.endpoint)
    try:
        if model.status.state is not ModelState.READY:
            reason = model.status.reason or "not ready"
            raise ModelUnavailable(f"model {model.name} is {model.status.state.value}: {reason}", model.name)
        provenance = await asyncio.to_thread(model.check_config, body.config)
    except Exception as exc:
        entry = problem_type_of(exc, INFER_PROBLEMS)
        if entry is None:
            raise
        return problem_for(request, exc, entry)
    return JSONResponse(ModelIdentity.of(provenance).model_dump(mode="json"))


def _route(analysis: Analysis) -> None:
    async def endpoint(
        body: ConfigCheckRequest, request: Request, _caller: Annotated[str, Depends(require_token)]
    ) -> Response:
        return await _check(analysis, body, request)

    endpoint.__name__ = f"check_{analysis.endpoint}_config"
    router.add_api_route(
        f"/{analysis.endpoint}",
        endpoint,
        methods=["POST"],
        response_model=ModelIdentity,
        summary=f"Check a config of the {analysis.endpoint} analysis and say what it would run on",
        responses=CONFIG_RESPONSES,
    )


for _analysis in CATALOGUE:
    _route(_analysis)
