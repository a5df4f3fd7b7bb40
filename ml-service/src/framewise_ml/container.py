"""The ML service's composition root: the model registry, the GPU gate, the kept results and the
inference service that uses them."""

from dataclasses import dataclass, field
from typing import Self

from redis.asyncio import Redis

from framewise.infrastructure.media.paths import resolve_roots
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise_ml.cpu_budget import CpuBudget
from framewise_ml.gpu_gate import GpuGate
from framewise_ml.inference import InferenceRunner
from framewise_ml.model_watch import ModelWatch
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry, detect_device
from framewise_ml.settings import MlSettings


@dataclass
class MlContainer:
    settings: MlSettings
    roots: list[str]
    registry: ModelRegistry
    gate: GpuGate
    budget: CpuBudget
    valkey: Redis | None = None
    inference: InferenceRunner = field(init=False)
    watch: ModelWatch = field(init=False)

    def __post_init__(self) -> None:
        kept = KeptResults(self.valkey, self.settings.ml_result_ttl_s) if self.valkey is not None else None
        self.inference = InferenceRunner(self.registry, self.gate, self.roots, kept)
        self.watch = ModelWatch(self.registry, self.gate)

    async def close(self) -> None:
        await self.watch.close()
        if self.valkey is not None:
            await self.valkey.aclose()

    @classmethod
    def build(cls, settings: MlSettings, registry: ModelRegistry | None = None) -> Self:
        budget = CpuBudget.of(settings.cpu_threads, settings.analysis_threads, settings.gpu_concurrency)
        if registry is None:  # a registry passed in (the tests') keeps the threads it was built with
            budget.apply()
            device = detect_device()
            ctx = ModelContext(settings.model_cache_dir.resolve(), device["device"], settings.allow_random_weights)
            registry = ModelRegistry.default(
                ctx,
                settings.objects_model,
                settings.places_model,
                settings.ocr_engine,
                budget.per_analysis,
                settings.transcribe_engine,
                settings.face_recognition,
            )
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
            budget,
            Redis.from_url(settings.valkey_url) if settings.valkey_url else None,
        )
