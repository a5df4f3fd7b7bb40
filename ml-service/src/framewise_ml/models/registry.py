"""Builds every model, loads and warms them, and answers which one serves an endpoint."""

import math
import os
import platform
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from framewise_ml.models.base import InferenceModel, MissingModel, ModelContext, ModelState, ModelStatus
from framewise_ml.models.choice import (
    ObjectsChoice,
    PlacesChoice,
    chosen_model,
    objects_model,
    places_model,
    repick,
)
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.ocr import OcrModel
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.models.transcribe import TranscribeModel

log = structlog.get_logger("framewise.ml")
RECHECK_S = 2.0  # how often, at most, the model cache is looked at again for weights that arrived


def detect_device() -> dict[str, Any]:
    """The compute device: CUDA when torch sees a GPU (name and memory), else the CPU and why."""
    try:
        import torch
    except ImportError:
        return {"device": "cpu", "reason": "torch not installed", "cpu": platform.processor() or "unknown"}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return {"device": "cuda", "gpu_name": props.name, "gpu_memory_total": int(props.total_memory)}
    return {"device": "cpu", "reason": "CUDA not available", "cpu_threads": torch.get_num_threads()}


def gpu_memory() -> dict[str, int] | None:
    """Allocated, reserved and total bytes on the GPU, or None on a CPU-only host."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return {
        "allocated": int(torch.cuda.memory_allocated()),
        "reserved": int(torch.cuda.memory_reserved()),
        "total": int(torch.cuda.get_device_properties(0).total_memory),
    }


def set_torch_threads(threads: int) -> int:
    """Fix torch's intra-op threads for the whole process (0: one per CPU core). ultralytics lowers
    it on its first predict; the objects model puts it back after each call."""
    try:
        import torch
    except ImportError:
        return 0
    torch.set_num_threads(threads or os.cpu_count() or 1)
    return int(torch.get_num_threads())


@dataclass(frozen=True)
class ModelChange:
    """A model looked at by a reload: what served its analysis before and after."""

    model: str
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "changed": self.changed, "before": self.before, "after": self.after}


def _summary(model: InferenceModel) -> dict[str, Any]:
    return {
        "state": model.status.state.value,
        "reason": model.status.reason,
        "producer": model.producer,
        "weights": model.weights,
        "selected_by": model.selected_by,
    }


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class ModelRegistry:
    """The models of this service by endpoint name. Weights that arrive in the model cache after
    start-up are noticed (`due`, a few stats at most every `recheck_s`) and loaded (`reload`)
    without a restart: a model that lacked them loads in place; where the objects or places setting
    is `auto` and its preferred checkpoint arrives, the preferred model is loaded beside the one
    serving and replaces it once ready (a request holds the model it started with, so requests in
    flight finish on the old one)."""

    def __init__(
        self,
        models: list[InferenceModel],
        device: dict[str, Any] | None = None,
        *,
        ctx: ModelContext | None = None,
        objects: ObjectsChoice = ObjectsChoice.AUTO,
        places: PlacesChoice = PlacesChoice.AUTO,
        recheck_s: float = RECHECK_S,
    ) -> None:
        self.models = {m.name: m for m in models}
        self.device = device or detect_device()
        self._ctx, self._objects, self._places, self._recheck_s = ctx, objects, places, recheck_s
        self._checked_at = -math.inf
        self._reloading = threading.Lock()
        self._refused: dict[str, tuple[int, int] | None] = {}  # an upgrade that failed, by its checkpoint's stat

    @classmethod
    def default(
        cls,
        ctx: ModelContext,
        objects: ObjectsChoice = ObjectsChoice.AUTO,
        places: PlacesChoice = PlacesChoice.AUTO,
        ocr_engine: str = "auto",
        threads: int = 0,
        transcribe_engine: str = "auto",
        face_recognition: bool = True,
    ) -> "ModelRegistry":
        models: list[InferenceModel] = [
            objects_model(ctx, objects),
            FacesModel(ctx, face_recognition),
            TranscribeModel(ctx, transcribe_engine, threads),
            OcrModel(ctx, ocr_engine, threads),
            places_model(ctx, places),
            ScenesModel(),
        ]
        return cls(models, ctx=ctx, objects=objects, places=places)

    def due(self) -> list[str]:
        """The models whose weights arrived since they were last looked at, at most once every
        `recheck_s` (an empty list in between): cheap enough to ask on every health request."""
        now = time.monotonic()
        if now - self._checked_at < self._recheck_s:
            return []
        self._checked_at = now
        return [name for name, model in self.models.items() if model.weights_arrived() or self._upgrade(name, model)]

    def _upgrade(self, name: str, model: InferenceModel) -> bool:
        """The analysis's setting now picks another model: the preferred one, whose checkpoint
        arrived (or anything, when the one there is not ready), unless that very file failed before."""
        if self._ctx is None:
            return False
        pick = repick(self._ctx.cache_dir, name, self._objects, self._places)
        if pick is None or pick.choice == model.chosen:
            return False
        if not pick.preferred and model.status.state is ModelState.READY:
            return False  # the preferred checkpoint went away: the model loaded from it goes on serving
        return name not in self._refused or self._refused[name] != _signature(pick.checkpoint)

    def reload(self, names: Iterable[str] | None = None) -> list[ModelChange]:
        """Load the models `names` again (None: every model not ready, and every analysis whose
        setting now picks another model), one reload at a time; blocking: call it off the event loop."""
        with self._reloading:
            if names is None:
                names = [
                    n for n, m in self.models.items() if m.status.state is not ModelState.READY or self._upgrade(n, m)
                ]
            return [self._reload(name) for name in names if name in self.models]

    def _reload(self, name: str) -> ModelChange:
        current = self.models[name]
        before = _summary(current)
        if self._upgrade(name, current):
            assert self._ctx is not None  # _upgrade says so
            candidate = chosen_model(self._ctx, name, self._objects, self._places)
            candidate.load()
            if candidate.status.state is ModelState.READY or current.status.state is not ModelState.READY:
                self.models[name] = candidate  # one assignment: a request gets the old model or the new
                self._refused.pop(name, None)
            else:
                pick = repick(self._ctx.cache_dir, name, self._objects, self._places)
                self._refused[name] = _signature(pick.checkpoint) if pick else None
                log.warning(
                    "model_upgrade_failed",
                    model=name,
                    producer=candidate.producer,
                    reason=candidate.status.reason,
                    serving=current.producer,
                )
        elif current.status.state is not ModelState.READY and not isinstance(current, MissingModel):
            # Never served: loaded again in place (requests see it unavailable until it is ready).
            current.status = ModelStatus(ModelState.LOADING, "loading the weights that arrived")
            current.load()
        change = ModelChange(name, before, _summary(self.models[name]))
        if change.changed:
            self._log(self.models[name], reloaded=True)
        return change

    @staticmethod
    def _log(model: InferenceModel, **extra: Any) -> None:
        log.info(
            "model_loaded",
            model=model.name,
            producer=model.producer,
            selected_by=model.selected_by,
            state=model.status.state.value,
            reason=model.status.reason,
            weights=model.weights,
            load_ms=model.status.load_ms,
            **extra,
        )

    def load_all(self) -> None:
        log.info("device_detected", **self.device)
        for model in self.models.values():
            model.load()
            self._log(model)

    def get(self, name: str) -> InferenceModel:
        return self.models.get(name) or MissingModel(name, "not part of this service's registry")

    def overall(self) -> str:
        states = [m.status.state for m in self.models.values()]
        if all(s is ModelState.READY for s in states):
            return "healthy"
        if any(s is ModelState.READY for s in states):
            return "degraded"
        return "unhealthy"
