"""Builds every model, loads and warms them, and answers which one serves an endpoint."""

import platform

import structlog

from framewise.domain.inference import ENDPOINT_OF
from framewise_ml.models.base import InferenceModel, MissingModel, ModelState
from framewise_ml.models.scenes import SceneModel

log = structlog.get_logger("framewise.ml")

NOT_YET = "no implementation installed in this build"


def detect_device() -> dict[str, str]:
    """The compute device, found without importing torch when torch is not installed."""
    try:
        import torch
    except ImportError:
        return {"device": "cpu", "reason": "torch not installed", "cpu": platform.processor() or "unknown"}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return {"device": "cuda", "gpu_name": props.name, "gpu_memory_total": str(props.total_memory)}
    return {"device": "cpu", "reason": "CUDA not available"}


class ModelRegistry:
    """The models of this service by endpoint name."""

    def __init__(self, models: list[InferenceModel]) -> None:
        self.models = {m.name: m for m in models}
        self.device = detect_device()

    @classmethod
    def default(cls) -> "ModelRegistry":
        built: list[InferenceModel] = [SceneModel()]
        names = {m.name for m in built}
        built += [MissingModel(name, NOT_YET) for name in ENDPOINT_OF.values() if name not in names]
        return cls(built)

    def load_all(self) -> None:
        log.info("device_detected", **self.device)
        for model in self.models.values():
            model.load()
            log.info("model_loaded", model=model.name, state=model.status.state.value, reason=model.status.reason)

    def get(self, name: str) -> InferenceModel:
        return self.models[name]

    def overall(self) -> str:
        states = [m.status.state for m in self.models.values()]
        if all(s is ModelState.READY for s in states):
            return "healthy"
        if any(s is ModelState.READY for s in states):
            return "degraded"
        return "unhealthy"
