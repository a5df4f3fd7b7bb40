"""Builds every model, loads and warms them, and answers which one serves an endpoint."""

import os
import platform
from typing import Any

import structlog

from framewise_ml.models.base import InferenceModel, MissingModel, ModelContext, ModelState
from framewise_ml.models.choice import ObjectsChoice, PlacesChoice, objects_model, places_model
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.ocr import OcrModel
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.models.transcribe import TranscribeModel

log = structlog.get_logger("framewise.ml")


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


class ModelRegistry:
    """The models of this service by endpoint name."""

    def __init__(self, models: list[InferenceModel], device: dict[str, Any] | None = None) -> None:
        self.models = {m.name: m for m in models}
        self.device = device or detect_device()

    @classmethod
    def default(
        cls, ctx: ModelContext, objects: ObjectsChoice = ObjectsChoice.AUTO, places: PlacesChoice = PlacesChoice.AUTO
    ) -> "ModelRegistry":
        models: list[InferenceModel] = [
            objects_model(ctx, objects),
            FacesModel(ctx),
            TranscribeModel(ctx),
            OcrModel(ctx),
            places_model(ctx, places),
            ScenesModel(),
        ]
        return cls(models)

    def load_all(self) -> None:
        log.info("device_detected", **self.device)
        for model in self.models.values():
            model.load()
            log.info(
                "model_loaded",
                model=model.name,
                producer=model.producer,
                selected_by=model.selected_by,
                state=model.status.state.value,
                reason=model.status.reason,
                weights=model.weights,
                load_ms=model.status.load_ms,
            )

    def get(self, name: str) -> InferenceModel:
        return self.models.get(name) or MissingModel(name, "not part of this service's registry")

    def overall(self) -> str:
        states = [m.status.state for m in self.models.values()]
        if all(s is ModelState.READY for s in states):
            return "healthy"
        if any(s is ModelState.READY for s in states):
            return "degraded"
        return "unhealthy"
