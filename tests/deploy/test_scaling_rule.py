"""The chart's worker scaling rule (deploy/scaling.py): KEDA's prometheus scaler and the HPA it drives,
replayed over queue depths. Its edges: activation, clamping, the HPA's tolerance and scale-up limit,
the 300 s scale-down stabilisation, and KEDA's cooldown to zero."""

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from deploy.scaling import VALUES, ScalingRule, Step, chart_rule, hpa_desired, replay

pytestmark = pytest.mark.deploy

FAST = {"polling_s": 15.0, "sync_s": 15.0, "scrape_s": 1.0}  # the metric seen at once


def replicas_at(steps: list[Step], t: float) -> int:
    return next(s.replicas for s in steps if s.t == t)


def test_the_rule_is_the_charts_own_numbers() -> None:
    values = yaml.safe_load(VALUES.read_text())
    for pool in ("cpu", "gpu"):
        scaling = values["workers"]["pools"][pool]["scaling"]
        rule = chart_rule(pool)
        assert (rule.min_replicas, rule.max_replicas, rule.threshold) == (
            scaling["minReplicas"],
            scaling["maxReplicas"],
            scaling["readyJobsPerReplica"],
        )
        assert (rule.polling_s, rule.cooldown_s) == (
            values["keda"]["pollingInterval"],
            values["keda"]["cooldownPeriod"],
        )
        assert rule.activation == 0 and rule.down_window_s == 300  # the chart sets neither
    assert chart_rule("gpu", min_replicas=0).min_replicas == 0


def test_the_hpa_asks_for_the_metric_over_the_threshold_clamped_to_min_and_max() -> None:
    rule = ScalingRule(min_replicas=2, max_replicas=6, threshold=2)
    assert hpa_desired(7, 1, rule) == 4  # ceil(7 / 2)
    assert hpa_desired(0, 3, rule) == 2  # never below min
    assert hpa_desired(1000, 3, rule) == 6  # never above max
    assert hpa_desired(0, 1, ScalingRule(min_replicas=0, max_replicas=4, threshold=2)) == 1  # zero is KEDA's move


def test_within_the_tolerance_the_hpa_keeps_the_count() -> None:
    rule = ScalingRule(min_replicas=1, max_replicas=10, threshold=10)
    assert hpa_desired(42, 4, rule) == 4  # 42 / 40 = 1.05: within 10 %
    assert hpa_desired(45, 4, rule) == 5  # 1.125: beyond it
    assert hpa_desired(37, 4, rule) == 4  # 0.925
    assert hpa_desired(35, 4, rule) == 4  # 0.875 is beyond it, but ceil(3.5) is 4 anyway
    assert hpa_desired(29, 4, rule) == 3


def test_a_pool_at_zero_wakes_only_above_the_activation_threshold_at_a_polling_tick() -> None:
    rule = ScalingRule(min_replicas=0, max_replicas=4, threshold=2, activation=5, **FAST)
    below = replay([(0, 0), (3, 5), (40, 5)], rule)
    assert {s.replicas for s in below} == {0}  # 5 is not above 5
    above = replay([(0, 0), (3, 6), (40, 6)], rule)
    assert replicas_at(above, 14) == 0 and replicas_at(above, 15) == 3  # woken and sized at the tick, not at t=3


def test_a_deep_queue_scales_up_by_the_hpas_step_limit_until_max() -> None:
    rule = ScalingRule(min_replicas=1, max_replicas=20, threshold=2, **FAST)
    steps = replay([(0, 1000), (60, 1000)], rule)
    assert [replicas_at(steps, t) for t in (0, 15, 30, 45)] == [5, 10, 20, 20]  # max(2x, +4) per 15 s


def test_scale_down_waits_for_the_stabilisation_window_then_drops_to_min() -> None:
    rule = ScalingRule(min_replicas=1, max_replicas=4, threshold=2, **FAST)
    steps = replay([(0, 100), (20, 0)], rule, until_s=400)
    assert replicas_at(steps, 0) == 4
    # The last recommendation of 4 was at t=15; it stays in the window until t=315.
    assert all(s.replicas == 4 for s in steps if s.t < 315)
    assert replicas_at(steps, 315) == 1 and replicas_at(steps, 400) == 1


def test_a_pool_with_min_zero_goes_to_zero_after_the_cooldown_and_a_pool_with_min_one_never_does() -> None:
    rule = ScalingRule(min_replicas=0, max_replicas=4, threshold=2, cooldown_s=300, down_window_s=60, **FAST)
    steps = replay([(0, 10), (20, 0)], rule, until_s=400)
    assert replicas_at(steps, 0) == 4
    assert replicas_at(steps, 90) == 1  # the HPA's window has passed: down to its floor of 1, not to zero
    last_active = 15
    assert replicas_at(steps, last_active + 285) == 1 and replicas_at(steps, last_active + 300) == 0
    assert all(s.replicas == 0 for s in steps if s.t >= last_active + 300)
    kept = replay([(0, 10), (20, 0)], ScalingRule(min_replicas=1, max_replicas=4, threshold=2, **FAST), until_s=900)
    assert min(s.replicas for s in kept) == 1


def test_the_autoscalers_see_the_depth_prometheus_scraped_last() -> None:
    rule = ScalingRule(min_replicas=1, max_replicas=8, threshold=2, scrape_s=15)
    steps = replay([(0, 0), (2, 40), (10, 0), (40, 0)], rule)  # a spike between two scrapes
    assert {s.replicas for s in steps} == {1}
    assert max(s.depth for s in steps) == 40 and max(s.seen for s in steps) == 0


@settings(max_examples=200, deadline=None)
@given(
    depths=st.lists(st.integers(0, 500), min_size=1, max_size=60),
    minimum=st.integers(0, 3),
    extra=st.integers(0, 8),
    threshold=st.integers(1, 10),
    activation=st.integers(0, 5),
)
def test_replicas_stay_within_the_bounds_and_follow_the_demand(
    depths: list[int], minimum: int, extra: int, threshold: int, activation: int
) -> None:
    rule = ScalingRule(minimum, minimum + extra + 1, threshold, activation=activation, **FAST)
    samples = [(float(5 * i), float(d)) for i, d in enumerate([*depths, 0])]  # the queue drained at the end
    steps = replay(samples, rule, until_s=5 * len(depths) + 700)
    floor = max(minimum, 1)
    for step in steps:
        assert (step.replicas == 0 and minimum == 0) or floor <= step.replicas <= rule.max_replicas
        # never more than the highest demand seen so far asks for (or the floor)
        demand = max((s.seen for s in steps if s.t <= step.t), default=0)
        assert step.replicas <= max(floor, math.ceil(demand / threshold))
    assert steps[-1].replicas == minimum  # long after the queue drained: at rest (zero after KEDA's cooldown)
