"""`POST /infer/{analysis}`: parse, confine the path, take a GPU slot, run the model off the loop."""

import asyncio
import time
from pathlib import Path
from typing import Any, cast

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from framewise.domain.errors import PathOutsideRoots
from framewise.domain.inference import ENDPOINT_OF, InferenceRequest, InferenceResponse, Timings
from framewise.infrastructure.media.paths import confine
from framewise_ml.container import MlContainer
from framewise_ml.gpu_gate import GateBusy
from framewise_ml.metrics import GATE_RUNNING, GATE_WAITING, ML_COMPUTE, ML_FAILURES, ML_QUEUE_WAIT, ML_REQUESTS
from framewise_ml.models.base import BadMedia, ModelState

router = APIRouter(prefix="/infer", tags=["inference"])
log = structlog.get_logger("framewise.ml")
TASK_OF = {endpoint: task_type for task_type, endpoint in ENDPOINT_OF.items()}


def _problem(request: Request, status: int, kind: str, detail: str, **extra: Any) -> JSONResponse:
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(int(extra.pop("retry_after")))
    body = {
        "type": f"https://framewise.dev/problems/{kind}",
        "title": kind.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _resolve(container: MlContainer, raw: str) -> Path:
    path = confine(raw, container.roots)  # raises PathOutsideRoots
    if not path.is_file():
        raise FileNotFoundError(raw)
    if path.stat().st_size == 0:
        raise BadMedia("file is empty")
    return path


async def _infer(analysis: str, body: InferenceRequest, request: Request) -> InferenceResponse | JSONResponse:
    container = cast(MlContainer, request.app.state.container)
    model = container.registry.get(analysis)
    if model.status.state is not ModelState.READY:
        ML_REQUESTS.labels(analysis, "unavailable").inc()
        detail = f"model {analysis} is {model.status.state.value}: {model.status.reason or 'not ready'}"
        return _problem(request, 503, "model-unavailable", detail, model=analysis, retry_after=30)
    try:
        path = _resolve(container, body.video_path)
    except PathOutsideRoots as exc:
        ML_REQUESTS.labels(analysis, "rejected").inc()
        return _problem(request, 403, "path-outside-roots", str(exc))
    except FileNotFoundError:
        ML_REQUESTS.labels(analysis, "rejected").inc()
        return _problem(request, 404, "video-not-found", f"no file at {body.video_path!r}")
    except BadMedia as exc:
        ML_REQUESTS.labels(analysis, "rejected").inc()
        return _problem(request, 422, "bad-media", str(exc))
    started = time.perf_counter()
    try:
        async with container.gate.slot() as waited:
            GATE_RUNNING.set(container.gate.running)
            GATE_WAITING.set(container.gate.waiting)
            ML_QUEUE_WAIT.labels(analysis).observe(waited)
            computing = time.perf_counter()
            prediction = await asyncio.to_thread(model.predict, body, path)
            provenance = await asyncio.to_thread(model.provenance, body, path)
            ML_COMPUTE.labels(analysis).observe(time.perf_counter() - computing)
    except GateBusy as exc:
        ML_REQUESTS.labels(analysis, "busy").inc()
        return _problem(request, 503, "busy", str(exc), retry_after=exc.retry_after)
    except BadMedia as exc:
        ML_REQUESTS.labels(analysis, "rejected").inc()
        return _problem(request, 422, "bad-media", str(exc))
    except ValueError as exc:
        ML_REQUESTS.labels(analysis, "rejected").inc()
        return _problem(request, 422, "invalid-config", str(exc))
    except Exception as exc:
        ML_REQUESTS.labels(analysis, "error").inc()
        ML_FAILURES.labels(analysis, type(exc).__name__).inc()
        log.exception("inference_failed", model=analysis)
        return _problem(request, 500, "inference-failed", f"{analysis} failed: {type(exc).__name__}")
    finally:
        GATE_RUNNING.set(container.gate.running)
        GATE_WAITING.set(container.gate.waiting)
    total = (time.perf_counter() - started) * 1000
    ML_REQUESTS.labels(analysis, "ok").inc()
    log.info(
        "inference_done",
        model=analysis,
        task_id=body.task_id,
        items=len(prediction.items),
        queue_wait_ms=round(waited * 1000, 1),
        total_ms=round(total, 1),
    )
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
    )
    if body.task_id and container.results is not None:
        await container.results.put(body.task_id, response)
    return response


def _route(analysis: str) -> None:
    async def endpoint(body: InferenceRequest, request: Request) -> InferenceResponse | JSONResponse:
        return await _infer(analysis, body, request)

    endpoint.__name__ = f"infer_{analysis}"
    router.add_api_route(
        f"/{analysis}",
        endpoint,
        methods=["POST"],
        response_model=InferenceResponse,
        summary=f"Run the {analysis} analysis on one video",
        responses={403: {}, 404: {}, 422: {}, 503: {}},
    )


for _analysis in ENDPOINT_OF.values():
    _route(_analysis)
