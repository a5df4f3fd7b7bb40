"""A stand-in for the ML service that answers every inference at once, for the orchestration bench.

It speaks the contract the worker's `HttpxMlClient` uses: `GET /health` lists every model as ready,
and `POST /infer/{analysis}` takes an `InferenceRequest` and answers a valid `InferenceResponse`
with `--items` items of the analysis's payload schema. Its provenance carries the real `fw1`
fingerprint of the requested file (computed once per path, as discovery computed `content_hash`),
so the worker's check that the ML service saw the content it discovered runs for real.
`GET /bench/stats` counts the health and inference calls it answered.

    python -m bench.ml_stub --port 8765 --items 5
"""

import argparse
import json
import uuid
from functools import lru_cache
from typing import Any

import uvicorn
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from framewise.contracts.ml import InferenceRequest, InferenceResponse
from framewise.domain.analyses import CATALOGUE
from framewise.domain.provenance import config_hash
from framewise.infrastructure.media.fingerprint import fingerprint_file

TASK_OF = {a.endpoint: a.task_type for a in CATALOGUE}
BOX = {"x1": 10.0, "y1": 20.0, "x2": 110.0, "y2": 220.0}
SQUARE = [{"x": 10.0, "y": 20.0}, {"x": 110.0, "y": 20.0}, {"x": 110.0, "y": 60.0}, {"x": 10.0, "y": 60.0}]


def item(analysis: str, k: int) -> dict[str, Any]:
    """The k-th item of `analysis`, valid against its payload schema."""
    frame = {"frame_index": k * 25, "timestamp_ms": k * 1000}
    match analysis:
        case "objects":
            return {**frame, "label": "person", "confidence": 0.9, "bbox": BOX, "track_id": k}
        case "faces":
            return {**frame, "confidence": 0.95, "bbox": BOX}
        case "transcribe":
            return {"text": f"segment {k}", "start_ms": k * 1000, "end_ms": k * 1000 + 900, "language": "en"}
        case "ocr":
            return {**frame, "text": f"WORD{k}", "confidence": 0.8, "polygon": SQUARE}
        case "places":
            return {**frame, "predictions": [{"label": "studio", "confidence": 0.7}]}
        case "scenes":
            return {"scene_index": k, "start_ms": k * 2000, "end_ms": k * 2000 + 2000}
    raise KeyError(analysis)


@lru_cache(maxsize=100_000)
def input_hash(path: str) -> str:
    return fingerprint_file(path)


def create_app(items: int) -> Starlette:
    templates = {a: [item(a, k) for k in range(items)] for a in TASK_OF}
    health = {"status": "healthy", "models": {a: {"state": "ready", "reason": None} for a in TASK_OF}}
    counts = {"health": 0, "infer": 0}  # what the bench reads back from /bench/stats

    def body(analysis: str, request: InferenceRequest) -> dict[str, Any]:
        return {
            "task_type": TASK_OF[analysis].value,
            "items": templates[analysis],
            "provenance": {
                "producer": "bench-stub",
                "producer_version": "1",
                "model_profile": "default",
                "config_hash": config_hash(request.config),
                "input_hash": input_hash(request.video_path),
                "run_id": uuid.uuid4().hex,
                "device": "cpu",
                "weights": "none",
            },
            "timings": {"queue_wait_ms": 0.0, "decode_ms": 0.0, "inference_ms": 0.0, "total_ms": 0.0},
        }

    # Every template must pass the contract the worker checks, or the bench measures rejections.
    probe = InferenceRequest(video_path=__file__)
    for analysis in TASK_OF:
        InferenceResponse.model_validate(body(analysis, probe))

    async def get_health(_: Request) -> JSONResponse:
        counts["health"] += 1
        return JSONResponse(health)

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(counts)

    async def infer(request: Request) -> Response:
        counts["infer"] += 1
        analysis = request.path_params["analysis"]
        if analysis not in TASK_OF:
            return JSONResponse({"detail": f"no analysis {analysis}"}, status_code=404)
        try:
            parsed = InferenceRequest.model_validate_json(await request.body())
            answer = body(analysis, parsed)
        except ValidationError as exc:
            return JSONResponse({"detail": str(exc.errors()[0]["msg"])}, status_code=422)
        except OSError as exc:
            return JSONResponse({"detail": f"cannot read {exc.filename}"}, status_code=404)
        return Response(json.dumps(answer, separators=(",", ":")), media_type="application/json")

    return Starlette(
        routes=[
            Route("/health", get_health),
            Route("/livez", get_health),
            Route("/bench/stats", stats),
            Route("/infer/{analysis}", infer, methods=["POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--items", type=int, default=5, help="items per inference")
    args = parser.parse_args()
    uvicorn.run(create_app(args.items), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
