"""The one retry policy: its bounds, its backoff, and the settings it is built from."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.domain.retry import RetryPolicy
from framewise_worker.settings import WorkerSettings

pytestmark = pytest.mark.unit
REQUIRED = {
    "DATABASE_URL": "postgresql://x/y",
    "VALKEY_URL": "redis://x",
    "ML_SERVICE_URL": "http://x",
    "MEDIA_ROOTS": "/m",
}


def test_the_worst_case_is_the_product_of_the_bounds() -> None:
    policy = RetryPolicy()
    assert (policy.calls_per_try, policy.tries_per_attempt, policy.attempts_per_task) == (3, 5, 3)
    assert (policy.calls_per_attempt, policy.calls_per_task) == (15, 45)


@pytest.mark.parametrize(
    "bad",
    [{"calls_per_try": 0}, {"tries_per_attempt": 0}, {"attempts_per_task": 0}, {"try_backoff_s": 200.0}],
)
def test_a_policy_that_cannot_work_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=r"retry bound|backoff"):
        RetryPolicy(**bad)


@settings(max_examples=200)
@given(
    base=st.floats(0.01, 10),
    factor=st.floats(1, 100),
    tries=st.integers(1, 40),
    at_least=st.floats(0, 500),
)
def test_the_backoff_grows_within_its_bounds_and_honours_retry_after(
    base: float, factor: float, tries: int, at_least: float
) -> None:
    policy = RetryPolicy(try_backoff_s=base, try_backoff_max_s=base * factor)
    ceiling = min(policy.try_backoff_max_s, base * 2 ** (tries - 1))
    plain = policy.try_backoff(tries)
    assert min(base / 2, ceiling) <= plain <= ceiling
    assert policy.try_backoff(tries, at_least) >= at_least


def test_the_old_setting_names_still_work_and_the_new_ones_win(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MAX_TRIES", "7")
    monkeypatch.setenv("MAX_ATTEMPTS", "2")
    policy = WorkerSettings(_env_file=None).retry_policy()  # type: ignore[call-arg]
    assert (policy.tries_per_attempt, policy.attempts_per_task) == (7, 2)
    monkeypatch.setenv("TRIES_PER_ATTEMPT", "4")
    monkeypatch.setenv("ML_CALLS_PER_TRY", "1")
    policy = WorkerSettings(_env_file=None).retry_policy()  # type: ignore[call-arg]
    assert (policy.calls_per_try, policy.tries_per_attempt, policy.calls_per_attempt) == (1, 4, 4)


def test_a_backoff_above_its_maximum_stops_the_worker_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RETRY_BACKOFF_S", "500")
    with pytest.raises(ValueError, match="backoff"):
        WorkerSettings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "bad", [{"call_backoff_s": 0.0}, {"try_backoff_s": 0.0}, {"call_backoff_s": 11.0}, {"try_backoff_s": -1.0}]
)
def test_a_backoff_of_zero_or_above_its_maximum_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match="backoff"):
        RetryPolicy(**bad)


def test_a_backoff_may_equal_its_maximum() -> None:
    policy = RetryPolicy(call_backoff_s=10.0, call_backoff_max_s=10.0, try_backoff_s=5.0, try_backoff_max_s=5.0)
    assert 2.5 <= policy.try_backoff(3) <= 5.0


@pytest.mark.parametrize(("tries", "ceiling"), [(0, 2.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0), (7, 120.0)])
def test_the_backoff_draws_between_half_the_base_and_a_doubling_ceiling(
    tries: int, ceiling: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = RetryPolicy()  # 2 s, at most 120 s
    drawn: list[tuple[float, float]] = []
    monkeypatch.setattr(random, "uniform", lambda low, high: drawn.append((low, high)) or high)
    assert policy.try_backoff(tries) == ceiling
    assert drawn == [(1.0, ceiling)]
