"""The request path of `/infer/{endpoint}` as a small service: resolve the file, fingerprint it,
take a GPU slot, run the model off the event loop, validate what it produced against the payload
schema, and keep the answer for its job. Each way it can fail is an exception of its own, answered
from one table (`INFER_PROBLEMS`)."""

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from framewise.contracts.ml import InferenceRequest, InferenceResponse, MlProblem, Timings
from framewise.domain.analyses import Analysis
from framewise.domain.errors import InvalidPath, InvalidPayload, PathOutsideRoots
from framewise.infrastructure.media.fingerprint import fingerprint_file
from framewise.infrastructure.media.paths import confine
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.problems import ProblemType
from framewise_ml.gpu_gate import GateBusy, GpuGate
from framewise_ml.metrics import GATE_RUNNING, GATE_WAITING, ML_COMPUTE, ML_FRAMES, ML_QUEUE_WAIT
from framewise_ml.models.base import BadMedia, ModelState
from framewise_ml.models.config import InvalidConfig
from framewise_ml.models.registry import ModelRegistry

log = structlog.get_logger("framewise.ml")
MODEL_RECHECK_S = 30.0  # the Retry-After of a 503 model-unavailable


class ModelUnavailable(Exception):
    def __init__(self, message: str, model: str) -> None:
        super().__init__(message)
        self.model = model


class VideoNotFound(Exception):
    pass


class HiddenPath(Exception):
    pass


class UnresolvablePath(Exception):
    """A path too long, with a NUL byte, or in a symlink loop; the answer does not echo it."""


class InvalidOutput(Exception):
    """The model produced an item its payload schema rejects: a bug of the model, not the input;
    answered before the worker spends a try on it."""


INFER_PROBLEMS: dict[type[Exception], ProblemType] = {
    ModelUnavailable: ProblemType(503, MlProblem.MODEL_UNAVAILABLE, retry_after_s=MODEL_RECHECK_S),
    GateBusy: ProblemType(503, MlProblem.BUSY),
    PathOutsideRoots: ProblemType(403, "path-outside-roots"),
    HiddenPath: ProblemType(403, "hidden-path"),
    UnresolvablePath: ProblemType(422, "invalid-path"),
    VideoNotFound: ProblemType(404, "video-not-found"),
    BadMedia: ProblemType(422, "bad-media"),
    InvalidConfig: ProblemType(422, "invalid-config"),  # a model's own config checks
    InvalidOutput: ProblemType(500, MlProblem.INVALID_PAYLOAD),
}


@dataclass(frozen=True)
class Infer:
    analysis: Analysis
    request: InferenceRequest
    caller: str  # the gate's fairness key (the authenticated caller)
    abandoned: asyncio.Event  # set when the client has gone


class InferenceRunner:
    def __init__(
        self, registry: ModelRegistry, gate: GpuGate, roots: list[str], kept: KeptResults | None = None
    ) -> None:
        self._registry, self._gate, self._roots, self._kept = registry, gate, roots, kept

    async def execute(self, command: Infer) -> InferenceResponse:
        analysis, body = command.analysis, command.request
        model = self._registry.get(analysis.endpoint)
        if model.status.state is not ModelState.READY:
            reason = model.status.reason or "not ready"
            raise ModelUnavailable(f"model {model.name} is {model.status.state.value}: {reason}", model.name)
        model.refuse_unknown(body.config)
        started = time.perf_counter()
        path = await asyncio.to_thread(self._resolve, body.video_path)
        input_hash = await asyncio.to_thread(fingerprint_file, path)  # before a GPU slot is taken
        try:
            async with self._gate.slot(command.caller, command.abandoned) as waited:
                self._gauge()
                ML_QUEUE_WAIT.labels(model.name).observe(waited)
                computing = time.perf_counter()
                # The slot is held until the model's thread has really stopped, abandoned or not.
                prediction = await asyncio.to_thread(model.predict, body, path)
                ML_COMPUTE.labels(model.name).observe(time.perf_counter() - computing)
                ML_FRAMES.labels(model.name, "analysed").inc(prediction.frames_analysed)
                ML_FRAMES.labels(model.name, "reused").inc(prediction.frames_reused)
        finally:
            self._gauge()
        try:  # the items are parsed as the analysis's payloads here, once, before anything is answered or kept
            response = InferenceResponse.model_validate(
                {
                    "task_type": analysis.task_type,
                    "items": prediction.items,
                    "provenance": model.provenance(body, path, input_hash),
                    "timings": Timings(
                        queue_wait_ms=round(waited * 1000, 2),
                        decode_ms=prediction.decode_ms,
                        inference_ms=prediction.inference_ms,
                        total_ms=round((time.perf_counter() - started) * 1000, 2),
                    ),
                    "task_id": body.task_id,
                    "attempt": body.attempt,
                    "start_ms": body.start_ms,
                    "end_ms": body.end_ms,
                }
            )
        except InvalidPayload as exc:
            raise InvalidOutput(f"{model.name} produced an invalid item: {exc}") from exc
        if self._kept is not None:
            await self._kept.put(response)
        return response

    def _gauge(self) -> None:
        GATE_RUNNING.set(self._gate.running)
        GATE_WAITING.set(self._gate.waiting)

    def _resolve(self, raw: str) -> Path:
        """The file inside a media root, never under a hidden folder (upload staging, say)."""
        try:
            path = confine(raw, self._roots)  # PathOutsideRoots
        except InvalidPath as exc:
            raise UnresolvablePath(f"the path cannot be resolved: {exc.reason}") from None
        root = next(r for r in sorted(self._roots, key=len, reverse=True) if path.is_relative_to(r))
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            raise HiddenPath("hidden files and folders under the media roots are not analysed")
        try:
            if not path.is_file():
                raise VideoNotFound("no such video file under the media roots")
            if path.stat().st_size == 0:
                raise BadMedia("file is empty")
        except OSError as exc:  # a name too long for the file system, say
            raise UnresolvablePath(f"the path cannot be resolved: {exc.strerror or type(exc).__name__}") from None
        return path
