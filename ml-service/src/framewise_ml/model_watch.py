"""Weights that arrive in the model cache after start-up, loaded without a restart.

Asked about its models (`/health`, `/infer`), the service looks at the cache again (a few stats,
at most every few seconds: `ModelRegistry.due`) and loads what arrived in the background;
`POST /models/reload` does it at once and answers what changed. A load holds a GPU slot like an
inference (its warm-up is one), so it never runs beside more inferences than the gate allows, and
one reload runs at a time."""

import asyncio

import structlog

from framewise_ml.gpu_gate import GateBusy, GpuGate
from framewise_ml.models.registry import ModelChange, ModelRegistry

log = structlog.get_logger("framewise.ml")
RELOAD_CALLER = "model-reload"  # the gate's fairness key of reloads


class ModelWatch:
    def __init__(self, registry: ModelRegistry, gate: GpuGate) -> None:
        self._registry, self._gate = registry, gate
        self._running: asyncio.Task[list[ModelChange]] | None = None
        self._one_at_a_time = asyncio.Lock()

    async def notice(self) -> None:
        """Start loading, in the background, the weights that arrived (when any did)."""
        if self._running is not None and not self._running.done():
            return
        names = self._registry.due()
        if names:
            log.info("model_weights_arrived", models=names)
            self._running = asyncio.create_task(self._quietly(names))

    async def reload(self, names: list[str] | None = None) -> list[ModelChange]:
        """Load now every model not ready and every preferred model whose weights arrived (GateBusy
        when no GPU slot comes within the gate's wait)."""
        async with self._one_at_a_time, self._gate.slot(RELOAD_CALLER):
            return await asyncio.to_thread(self._registry.reload, names)

    async def _quietly(self, names: list[str]) -> list[ModelChange]:
        try:
            return await self.reload(names)
        except GateBusy as exc:  # asked again on the next look at the cache
            log.warning("model_reload_postponed", models=names, reason=str(exc))
        except Exception:  # a background load must not die unseen
            log.exception("model_reload_failed", models=names)
        return []

    async def close(self) -> None:
        if self._running is not None and not self._running.done():
            await asyncio.wait({self._running})
