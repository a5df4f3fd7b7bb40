"""A task waiting for its model is asked about again after as long as it has waited (from the first
delay, doubling, up to the maximum): over any stretch of time the re-checks are few (logarithmic
until the maximum, then one per maximum), never closer than the first delay, never further apart
than the maximum; and the task's reason is written only when it changes, its start kept."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.domain.ids import new_video_id
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, TaskStatus, recheck_after

pytestmark = pytest.mark.property
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(
    first=st.floats(0.5, 120.0),
    factor=st.floats(1.0, 100.0),
    horizon=st.floats(1.0, 7 * 86_400.0),
)
def test_rechecks_double_from_the_first_delay_up_to_the_maximum(first: float, factor: float, horizon: float) -> None:
    maximum = first * factor
    waited, checks, previous = 0.0, 0, 0.0
    while waited < horizon:
        delay = recheck_after(waited, first, maximum)
        assert first <= delay <= maximum
        assert delay >= previous  # never sooner than the last time
        previous = delay
        waited += delay
        checks += 1
    # Doubling until the maximum, then one per maximum.
    bound = math.log2(min(horizon, maximum) / first + 1) + 3 + max(0.0, horizon - maximum) / maximum
    assert checks <= bound


@settings(max_examples=200, deadline=None)
@given(reasons=st.lists(st.sampled_from(["a missing", "a loading", "b missing"]), min_size=1, max_size=30))
def test_a_waiting_task_changes_only_when_its_reason_does(reasons: list[str]) -> None:
    task = Task.create(video_id=new_video_id(), task_type=TaskType.OCR, config={}, now=NOW, correlation_id="c")
    task.enqueue(NOW)
    previous: str | None = None
    for i, reason in enumerate(reasons):
        changed = task.wait(reason, NOW + timedelta(seconds=i))
        assert changed == (reason != previous)
        assert task.waiting_reason == reason and task.waiting_since == NOW  # since the first
        assert task.status is TaskStatus.PENDING
        previous = reason
    task.start(task.attempt, NOW + timedelta(hours=1))
    assert task.waiting_reason is None and task.waiting_since is None
