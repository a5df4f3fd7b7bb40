"""`make run`'s restart policy (framewise_dev.restart_policy): the backoff doubles from the first delay up
to the cap with each crash inside the window, never leaves those bounds, forgets crashes older than the
window, and a service is left down exactly when it reaches the crash limit inside the window; a service
that fails at once on every start is given up after exactly that many starts."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise_dev.restart_policy import GiveUp, Restart, RestartPolicy

pytestmark = pytest.mark.property


@st.composite
def policies(draw: st.DrawFn) -> RestartPolicy:
    first = draw(st.floats(0.01, 60.0))
    return RestartPolicy(
        backoff_s=first,
        backoff_max_s=first * draw(st.floats(1.0, 1000.0)),
        max_crashes=draw(st.integers(1, 50)),
        window_s=draw(st.floats(0.1, 86_400.0)),
    )


def history(draw: st.DrawFn, now: float) -> list[float]:
    gaps = draw(st.lists(st.floats(0.0, 10_000.0), max_size=60))
    times, t = [now], now
    for gap in gaps:
        t -= gap
        times.append(t)
    return sorted(times)


@st.composite
def cases(draw: st.DrawFn) -> tuple[RestartPolicy, list[float], float]:
    now = draw(st.floats(0.0, 1e7))
    return draw(policies()), history(draw, now), now


@settings(max_examples=300, deadline=None)
@given(cases())
def test_a_restart_waits_between_the_first_delay_and_the_cap(case: tuple[RestartPolicy, list[float], float]) -> None:
    policy, crashes, now = case
    decision = policy.decide(crashes, now)
    recent = sum(1 for t in crashes if now - t < policy.window_s)
    assert decision.crashes_in_window == recent
    if isinstance(decision, Restart):
        assert policy.backoff_s <= decision.delay_s <= policy.backoff_max_s
        assert decision.delay_s == min(policy.backoff_max_s, policy.backoff_s * 2 ** (recent - 1))


@settings(max_examples=300, deadline=None)
@given(cases())
def test_it_gives_up_exactly_at_the_crash_limit_inside_the_window(
    case: tuple[RestartPolicy, list[float], float],
) -> None:
    policy, crashes, now = case
    recent = sum(1 for t in crashes if now - t < policy.window_s)
    assert isinstance(policy.decide(crashes, now), GiveUp) == (recent >= policy.max_crashes)


@settings(max_examples=200, deadline=None)
@given(cases(), st.lists(st.floats(1.0, 1e6), max_size=20))  # 1 s past the edge: no float rounding
def test_crashes_older_than_the_window_change_nothing(
    case: tuple[RestartPolicy, list[float], float], ages: list[float]
) -> None:
    policy, crashes, now = case
    old = [now - policy.window_s - age for age in ages]
    assert policy.decide(old + crashes, now) == policy.decide(crashes, now)


@settings(max_examples=200, deadline=None)
@given(cases(), st.floats(0.0, 10_000.0))
def test_one_more_crash_in_the_window_never_shortens_the_wait(
    case: tuple[RestartPolicy, list[float], float], age: float
) -> None:
    policy, crashes, now = case
    before, after = policy.decide(crashes, now), policy.decide([now - age, *crashes], now)
    if isinstance(before, GiveUp):
        assert isinstance(after, GiveUp)
    elif isinstance(after, Restart):
        assert after.delay_s >= before.delay_s


@settings(max_examples=200, deadline=None)
@given(policies(), st.floats(0.0, 5.0))
def test_a_service_that_fails_at_once_is_started_max_crashes_times_then_left_down(
    drawn: RestartPolicy, run_s: float
) -> None:
    """It fails `run_s` after each start; the window is long enough to hold all its backoffs."""
    delays = [min(drawn.backoff_max_s, drawn.backoff_s * 2**i) for i in range(drawn.max_crashes)]
    policy = replace(drawn, window_s=sum(delays) + run_s * drawn.max_crashes + 1.0)
    now, crashes, waits = 0.0, [], []
    while True:
        now += run_s
        crashes.append(now)
        decision = policy.decide(crashes, now)
        if isinstance(decision, GiveUp):
            break
        waits.append(decision.delay_s)
        now += decision.delay_s
    assert len(crashes) == policy.max_crashes
    assert waits == delays[: policy.max_crashes - 1]


def test_the_defaults_are_the_documented_ones() -> None:
    policy = RestartPolicy()
    assert (policy.backoff_s, policy.backoff_max_s, policy.max_crashes, policy.window_s) == (1.0, 30.0, 6, 600.0)
    delays = [policy.decide([float(t) for t in range(n)], float(n - 1)) for n in range(1, 7)]
    assert delays[:5] == [Restart(d, n) for n, d in enumerate([1.0, 2.0, 4.0, 8.0, 16.0], start=1)]
    assert delays[5] == GiveUp(6)
    assert policy.decide([float(t) for t in range(7)], 6.0) == GiveUp(7)
    assert RestartPolicy(max_crashes=10).decide([float(t) for t in range(7)], 6.0) == Restart(30.0, 7)
