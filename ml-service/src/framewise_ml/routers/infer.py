"""`POST /infer/{analysis}`: authenticate, parse, confine the path, take a GPU slot, run the model off
the loop, and stop the work as soon as the client has gone. Every failure is a problem document,
from one table (`PROBLEMS`)."""

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, cast

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from framewise.domain.errors import InvalidPath, PathOutsideRoots
from framewise.domain.inference import ENDPOINT_OF, InferenceRequest, InferenceResponse, Timings
from framewise.infrastructure.media.paths import confine
from framewise.infrastructure.problems import CLIENT_CLOSED, problem, problem_responses
from framewise_ml.abandon import ABANDONED, Abandoned
from framewise_ml.auth import require_token
from framewise_ml.container import MlContainer
from framewise_ml.gpu_gate import GateBusy
from framewise_ml.metrics import GATE_RUNNING, GATE_WAITING, ML_COMPUTE, ML_FAILURES, ML_QUEUE_WAIT, ML_REQUESTS
from framewise_ml.models.base import BadMedia, InferenceModel, ModelState

router = APIRouter(prefix="/infer", tags=["inference"])
INFER_PROBLEMS = problem_responses(
    {
        400: "a body that cannot be parsed",
        401: "no or wrong ML_TOKEN",
        403: "a path outside the media roots, or under a hidden folder",
        404: "no such video file",
        422: "an invalid request, path, config or video",
        500: "the model failed on this input",
        503: "the model is unavailable, or the line of waiting requests is full (busy); see Retry-After",
    }
)
log = structlog.get_logger("framewise.ml")
TASK_OF = {endpoint: task_type for task_type, endpoint in ENDPOINT_OF.items()}


class ModelUnavailable(Exception):
    pass


class VideoNotFound(Exception):
    pass


class HiddenPath(Exception):
    pass


# exception -> (status, problem kind, request outcome for the metrics); the detail is the message.
PROBLEMS: dict[type[Exception], tuple[int, str, str]] = {
    ModelUnavailable: (503, "model-unavailable", "unavailable"),
    PathOutsideRoots: (403, "path-outside-roots", "rejected"),
    HiddenPath: (403, "hidden-path", "rejected"),
    InvalidPath: (422, "invalid-path", "rejected"),
    VideoNotFound: (404, "video-not-found", "rejected"),
    BadMedia: (422, "bad-media", "rejected"),
    ValueError: (422, "invalid-config", "rejected"),
    GateBusy: (503, "busy", "busy"),
}


def _resolve(container: MlContainer, raw: str) -> Path:
    """The file inside a media root, never under a hidden folder (upload staging, say)."""
    path = confine(raw, container.roots)  # PathOutsideRoots, InvalidPath
    root = next(r for r in sorted(container.roots, key=len, reverse=True) if path.is_relative_to(r))
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        raise HiddenPath("hidden files and folders under the media roots are not analysed")
    try:
        if not path.is_file():
            raise VideoNotFound("no such video file under the media roots")
        if path.stat().st_size == 0:
            raise BadMedia("file is empty")
    except OSError as exc:  # a name too long for the file system, say
        raise InvalidPath(raw, exc.strerror or type(exc).__name__) from None
    return path


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


async def _run(
    container: MlContainer, model: InferenceModel, body: InferenceRequest, path: Path, caller: str, request: Request
) -> tuple[InferenceResponse, float]:
    analysis = model.name
    started = time.perf_counter()
    async with _watch_client(request) as abandoned:
        try:
            async with container.gate.slot(caller, abandoned) as waited:
                GATE_RUNNING.set(container.gate.running)
                GATE_WAITING.set(container.gate.waiting)
                ML_QUEUE_WAIT.labels(analysis).observe(waited)
                computing = time.perf_counter()
                # The slot is held until the model's thread has really stopped, abandoned or not.
                prediction = await asyncio.to_thread(model.predict, body, path)
                provenance = await asyncio.to_thread(model.provenance, body, path)
                ML_COMPUTE.labels(analysis).observe(time.perf_counter() - computing)
        finally:
            GATE_RUNNING.set(container.gate.running)
            GATE_WAITING.set(container.gate.waiting)
    total = (time.perf_counter() - started) * 1000
    response = InferenceResponse(
        task_type=TASK_OF[analysis],
        items=prediction.items,
        provenance=provenance,
        timings=Timings(
            queue_wait_ms=round(waited * 1000, 2),
            decode_ms=prediction.decode_ms,
            inference_ms=prediction.inference_ms,
            total_ms=round(total, 2),
        ),
        task_id=body.task_id,
        attempt=body.attempt,
        start_ms=body.start_ms,
        end_ms=body.end_ms,
    )
    return response, waited


async def _infer(
    analysis: str, body: InferenceRequest, caller: str, request: Request
) -> InferenceResponse | JSONResponse:
    container = cast(MlContainer, request.app.state.container)
    model = container.registry.get(analysis)
    try:
        if model.status.state is not ModelState.READY:
            raise ModelUnavailable(
                f"model {analysis} is {model.status.state.value}: {model.status.reason or 'not ready'}"
            )
        path = await asyncio.to_thread(_resolve, container, body.video_path)
        response, waited = await _run(container, model, body, path, caller, request)
    except Abandoned:
        ML_REQUESTS.labels(analysis, "abandoned").inc()
        log.info("inference_abandoned", model=analysis, task_id=str(body.task_id), status=CLIENT_CLOSED)
        return JSONResponse({}, status_code=CLIENT_CLOSED)
    except tuple(PROBLEMS) as exc:
        status, kind, outcome = next(v for k, v in PROBLEMS.items() if isinstance(exc, k))
        detail = f"the path cannot be resolved: {exc.reason}" if isinstance(exc, InvalidPath) else str(exc)
        ML_REQUESTS.labels(analysis, outcome).inc()
        extra: dict[str, object] = {"model": analysis} if kind == "model-unavailable" else {}
        retry = 30.0 if kind == "model-unavailable" else getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(int(retry))} if retry else None
        return problem(
            request, status, kind.replace("-", " ").capitalize(), detail, kind=kind, headers=headers, **extra
        )
    except Exception as exc:
        ML_REQUESTS.labels(analysis, "error").inc()
        ML_FAILURES.labels(analysis, type(exc).__name__).inc()
        log.exception("inference_failed", model=analysis)
        return problem(
            request, 500, "Inference failed", f"{analysis} failed: {type(exc).__name__}", kind="inference-failed"
        )
    ML_REQUESTS.labels(analysis, "ok").inc()
    log.info(
        "inference_done",
        model=analysis,
        task_id=str(body.task_id) if body.task_id else None,
        attempt=body.attempt,
        items=len(response.items),
        queue_wait_ms=round(waited * 1000, 1),
        total_ms=response.timings.total_ms,
    )
    if body.task_id is not None and body.attempt is not None and container.results is not None:
        await container.results.put(body.task_id, body.attempt, response)
    return response


def _route(analysis: str) -> None:
    async def endpoint(
        body: InferenceRequest, request: Request, caller: Annotated[str, Depends(require_token)]
    ) -> InferenceResponse | JSONResponse:
        return await _infer(analysis, body, caller, request)

    endpoint.__name__ = f"infer_{analysis}"
    router.add_api_route(
        f"/{analysis}",
        endpoint,
        methods=["POST"],
        response_model=InferenceResponse,
        summary=f"Run the {analysis} analysis on one video",
        responses=INFER_PROBLEMS,
    )


for _analysis in ENDPOINT_OF.values():
    _route(_analysis)
