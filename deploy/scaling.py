"""The chart's worker scaling rule, as a pure function: KEDA's prometheus scaler feeding an HPA.

Each worker pool's ScaledObject (templates/workers.yaml) reads `max(framewise_queue_ready_jobs{queue=...})`
with the pool's `readyJobsPerReplica` as its threshold. KEDA hands the HPA an External metric of type
AverageValue, so the HPA asks for ceil(metric / threshold) replicas, clamped to [min, max]. Around it:

- KEDA checks the trigger every `pollingInterval`: active while the metric is above the activation
  threshold (the chart sets none: 0). From 0 replicas an active trigger scales to 1 and the HPA takes over;
  once inactive for `cooldownPeriod` KEDA scales to 0, but only when `minReplicaCount` is 0 (the chart's
  default is 1, so its pools never go to zero).
- The HPA computes every sync period (15 s, kube-controller-manager's default) and keeps the current count
  while metric / (threshold x current) is within its 10 % tolerance. The chart sets no `behavior`, so the
  HPA's defaults apply: up at once but by at most max(100 %, 4 pods) per 15 s; down only to the highest
  count recommended over the last 300 s (the stabilisation window).
- The metric KEDA reads is Prometheus's last scrape of the API's /metrics (the scrape interval is the
  operator's Prometheus, not the chart's: a parameter here).

`replay` runs that rule over a recorded series of queue depths, open loop: the depths are what one
machine's workers drained, not what the replicas it asks for would have.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

VALUES = Path(__file__).resolve().parent / "helm" / "framewise" / "values.yaml"
HPA_SYNC_S = 15.0  # kube-controller-manager --horizontal-pod-autoscaler-sync-period
HPA_TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance
HPA_DOWN_WINDOW_S = 300.0  # behavior.scaleDown.stabilizationWindowSeconds default
HPA_UP_PERCENT, HPA_UP_PODS = 100, 4  # behavior.scaleUp default policies, per 15 s, the larger wins


@dataclass(frozen=True)
class ScalingRule:
    """One pool's numbers: the chart's (min, max, threshold, polling, cooldown) and the HPA's defaults."""

    min_replicas: int
    max_replicas: int
    threshold: float  # ready jobs per replica (the trigger's AverageValue target)
    activation: float = 0.0  # KEDA's activationThreshold: active while the metric is above it
    polling_s: float = 15.0  # KEDA's pollingInterval
    cooldown_s: float = 300.0  # KEDA's cooldownPeriod (to zero only, when min_replicas is 0)
    sync_s: float = HPA_SYNC_S
    tolerance: float = HPA_TOLERANCE
    down_window_s: float = HPA_DOWN_WINDOW_S
    scrape_s: float = 15.0  # Prometheus's scrape interval of the API's /metrics (not set by the chart)


def chart_rule(pool: str, values: dict[str, Any] | None = None, **overrides: Any) -> ScalingRule:
    """The rule the chart's ScaledObject for `pool` ("cpu" or "gpu") sets up, from values.yaml."""
    values = values if values is not None else yaml.safe_load(VALUES.read_text())
    scaling, keda = values["workers"]["pools"][pool]["scaling"], values["keda"]
    return ScalingRule(
        **{
            "min_replicas": int(scaling["minReplicas"]),
            "max_replicas": int(scaling["maxReplicas"]),
            "threshold": float(scaling["readyJobsPerReplica"]),
            "polling_s": float(keda["pollingInterval"]),
            "cooldown_s": float(keda["cooldownPeriod"]),
            **overrides,
        }
    )


def hpa_desired(metric: float, current: int, rule: ScalingRule) -> int:
    """The HPA's recommendation for an AverageValue external metric, clamped to [max(min, 1), max]:
    the current count while within tolerance, else ceil(metric / threshold)."""
    floor = max(rule.min_replicas, 1)  # KEDA gives the HPA at least 1; zero is KEDA's own move
    if current > 0 and abs(metric / (rule.threshold * current) - 1) <= rule.tolerance:
        wanted = current
    else:
        wanted = math.ceil(metric / rule.threshold)
    return min(rule.max_replicas, max(floor, wanted))


@dataclass(frozen=True)
class Step:
    t: float
    depth: float  # the depth recorded at t
    seen: float  # the metric the autoscalers read (Prometheus's last scrape)
    replicas: int


def replay(samples: Sequence[tuple[float, float]], rule: ScalingRule, until_s: float | None = None) -> list[Step]:
    """The replica count every second from t=0 to `until_s` (default: the last sample), starting at
    `min_replicas`, for depths sampled as (seconds, ready jobs) in time order; after the last sample
    the depth is taken to stay as it was. KEDA's and the HPA's loops and the scrapes tick from t=0."""
    if not samples:
        return []
    end = samples[-1][0] if until_s is None else until_s
    replicas = rule.min_replicas
    last_active = 0.0
    recommendations: list[tuple[float, int]] = []  # (t, HPA recommendation), for the down window
    steps: list[Step] = []
    for second in range(int(end) + 1):
        t = float(second)
        seen = _depth_at(samples, math.floor(t / rule.scrape_s) * rule.scrape_s)
        if _ticks(t, rule.polling_s):
            if seen > rule.activation:
                last_active = t
                replicas = max(replicas, 1)  # KEDA activates a pool at zero
            elif rule.min_replicas == 0 and replicas > 0 and t - last_active >= rule.cooldown_s:
                replicas, recommendations = 0, []
        if replicas > 0 and _ticks(t, rule.sync_s):
            replicas = _hpa_step(t, seen, replicas, rule, recommendations)
        steps.append(Step(t, _depth_at(samples, t), seen, replicas))
    return steps


def _hpa_step(t: float, metric: float, current: int, rule: ScalingRule, history: list[tuple[float, int]]) -> int:
    """One HPA sync: the recommendation, stabilised downwards over the window, limited upwards per period."""
    history.append((t, hpa_desired(metric, current, rule)))
    history[:] = [(at, r) for at, r in history if at > t - rule.down_window_s]
    wanted = history[-1][1]
    if wanted < current:
        wanted = min(current, max(r for _, r in history))
    up_limit = max(current * (100 + HPA_UP_PERCENT) // 100, current + HPA_UP_PODS)
    return min(wanted, up_limit)


def _ticks(t: float, period_s: float) -> bool:
    return math.isclose(t / period_s, round(t / period_s), abs_tol=1e-9)


def _depth_at(samples: Sequence[tuple[float, float]], t: float) -> float:
    """The last sample at or before `t` (the first one before it begins)."""
    value = samples[0][1]
    for at, depth in samples:
        if at > t:
            break
        value = depth
    return value
