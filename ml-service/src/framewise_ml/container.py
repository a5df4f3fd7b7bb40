"""The ML service's composition root: the model registry and the GPU gate."""

from dataclasses import dataclass
from typing import Self

from framewise.infrastructure.media.paths import resolve_roots
from framewise_ml.gpu_gate import GpuGate
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry, detect_device, set_torch_threads
from framewise_ml.results import ResultStore
from framewise_ml.settings import MlSettings


@dataclass
class MlContainer:
    settings: MlSettings
    roots: list[str]
    registry: ModelRegistry
    gate: GpuGate
    results: ResultStore | None = None

    @classmethod
    def build(cls, settings: MlSettings, registry: ModelRegistry | None = None) -> Self:
        if registry is None:
            set_torch_threads(settings.torch_threads)
            device = detect_device()
            ctx = ModelContext(settings.model_cache_dir.resolve(), device["device"], settings.allow_random_weights)
            registry = ModelRegistry.default(ctx, settings.objects_model, settings.places_model)
        return cls(
            settings,
            resolve_roots(settings.media_roots),
            registry,
            GpuGate(
                settings.gpu_concurrency,
                settings.gpu_queue_limit,
                settings.gpu_wait_timeout_s,
                per_caller=settings.gpu_queue_per_caller,
            ),
            ResultStore(settings.valkey_url, settings.ml_result_ttl_s) if settings.valkey_url else None,
        )
