"""`POST /infer/{endpoint}`: authenticate, parse, watch for the client going away, and hand the
request to the inference service (`framewise_ml.inference`); its errors are answered from its table."""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, cast

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from framewise.contracts.ml import InferenceRequest, InferenceResponse, MlProblem
from framewise.domain.analyses import CATALOGUE, Analysis
from framewise.infrastructure.problems import (
    CLIENT_CLOSED,
    problem,
    problem_for,
    problem_responses,
    problem_type_of,
)
from framewise_ml.abandon import ABANDONED, Abandoned
from framewise_ml.auth import require_token
from framewise_ml.container import MlContainer
from framewise_ml.inference import INFER_PROBLEMS, Infer
from framewise_ml.metrics import ML_FAILURES, ML_REQUESTS

router = APIRouter(prefix="/infer", tags=["inference"])
INFER_RESPONSES = problem_responses(
    {
        400: "a body that cannot be parsed",
        401: "no or wrong ML_TOKEN",
        403: "a path outside the media roots, or under a hidden folder",
        404: "no such video file",
        422: "an invalid request, path, config or video",
        500: "the model failed on this input, or produced an item its payload schema rejects",
        503: "the model is unavailable, or the line of waiting requests is full (busy); see Retry-After",
    }
)
log = structlog.get_logger("framewise.ml")


def _outcome(status: int, kind: str | None) -> str:
    """The request outcome label of the metrics."""
    if kind == MlProblem.BUSY:
        return "busy"
    if kind == MlProblem.MODEL_UNAVAILABLE:
        return "unavailable"
    return "rejected" if status < 500 else "error"


@asynccontextmanager
async def _watch_client(request: Request) -> AsyncIterator[asyncio.Event]:
    """An event set as soon as the client disconnects, for the gate; the model's frame loop sees its
    twin through the ABANDONED context variable, which the model's thread inherits."""
    gone = threading.Event()
    abandoned = asyncio.Event()

    async def watch() -> None:
        # The body has been read: the next message the server has for this request is its end.
        while (await request.receive())["type"] != "http.disconnect":
            pass
        gone.set()
        abandoned.set()

    watcher = asyncio.create_task(watch())
    token = ABANDONED.set(gone)
    try:
        yield abandoned
    finally:
        ABANDONED.reset(token)
        watcher.cancel()


async def _infer(analysis: Analysis, body: InferenceRequest, caller: str, request: Request) -> Response:
    container = cast(MlContainer, request.app.state.container)
    name = analysis.endpoint
    await container.watch.notice()  # weights that arrived since start-up are loaded in the background
    try:
        async with _watch_client(request) as abandoned:
            response = await container.inference.execute(Infer(analysis, body, caller, abandoned))
    except Abandoned:
        ML_REQUESTS.labels(name, "abandoned").inc()
        log.info("inference_abandoned", model=name, task_id=str(body.task_id), status=CLIENT_CLOSED)
        return Response(status_code=CLIENT_CLOSED)
    except Exception as exc:
        entry = problem_type_of(exc, INFER_PROBLEMS)
        if entry is None:
            ML_REQUESTS.labels(name, "error").inc()
            ML_FAILURES.labels(name, type(exc).__name__).inc()
            log.exception("inference_failed", model=name)
            detail = f"{name} failed: {type(exc).__name__}"
            return problem(request, 500, "Inference failed", detail, kind=MlProblem.INFERENCE_FAILED)
        ML_REQUESTS.labels(name, _outcome(entry.status, entry.kind)).inc()
        if entry.status >= 500:
            ML_FAILURES.labels(name, type(exc).__name__).inc()
            log.error("inference_invalid", model=name, error=str(exc))
        extra = {"model": name} if entry.kind == MlProblem.MODEL_UNAVAILABLE else {}
        return problem_for(request, exc, entry, **extra)
    ML_REQUESTS.labels(name, "ok").inc()
    log.info(
        "inference_done",
        model=name,
        task_id=str(body.task_id) if body.task_id else None,
        attempt=body.attempt,
        items=len(response.items),
        queue_wait_ms=response.timings.queue_wait_ms,
        total_ms=response.timings.total_ms,
    )
    return JSONResponse(response.model_dump(mode="json"))


def _route(analysis: Analysis) -> None:
    async def endpoint(
        body: InferenceRequest, request: Request, caller: Annotated[str, Depends(require_token)]
    ) -> Response:
        return await _infer(analysis, body, caller, request)

    endpoint.__name__ = f"infer_{analysis.endpoint}"
    router.add_api_route(
        f"/{analysis.endpoint}",
        endpoint,
        methods=["POST"],
        response_model=InferenceResponse,
        summary=f"Run the {analysis.endpoint} analysis on one video",
        responses=INFER_RESPONSES,
    )


for _analysis in CATALOGUE:
    _route(_analysis)
