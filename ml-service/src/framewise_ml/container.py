"""The ML service's composition root: the model registry and the GPU gate."""

from dataclasses import dataclass
from typing import Self

from framewise.infrastructure.media.paths import resolve_roots
from framewise_ml.gpu_gate import GpuGate
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.settings import MlSettings


@dataclass
class MlContainer:
    settings: MlSettings
    roots: list[str]
    registry: ModelRegistry
    gate: GpuGate

    @classmethod
    def build(cls, settings: MlSettings, registry: ModelRegistry | None = None) -> Self:
        return cls(
            settings,
            resolve_roots(settings.media_roots),
            registry or ModelRegistry.default(),
            GpuGate(settings.gpu_concurrency, settings.gpu_queue_limit, settings.gpu_wait_timeout_s),
        )
