"""The state machine admits exactly the legal transitions (docs/design/tasks.md), whatever the sequence."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.domain.errors import IllegalTransition, StaleAttempt
from framewise.domain.ids import new_video_id
from framewise.domain.provenance import config_hash
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus

pytestmark = pytest.mark.property
NOW = datetime(2026, 1, 1, tzinfo=UTC)
P, R, C, F, X = (TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)
LEGAL = {"start": {P: R, R: R}, "complete": {R: C}, "fail": {R: F}, "cancel": {P: X, R: X}, "retry": {F: P, X: P}}


def act(task: Task, action: str) -> None:
    if action == "start":
        task.enqueue(NOW) if task.status is P else None
        task.start(task.attempt, NOW)
    elif action == "complete":
        task.complete(task.attempt, NOW)
    elif action == "fail":
        task.fail(task.attempt, "e", ErrorKind.PERMANENT, NOW)
    elif action == "cancel":
        task.cancel(NOW)
    else:
        task.retry(NOW)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(sorted(LEGAL)), max_size=30))
def test_only_legal_transitions_happen_and_illegal_ones_change_nothing(actions: list[str]) -> None:
    task = Task.create(video_id=new_video_id(), task_type=TaskType.OCR, config={}, now=NOW, correlation_id="c")
    for action in actions:
        before = task.status
        if before in LEGAL[action]:
            act(task, action)
            assert task.status is LEGAL[action][before]
        else:
            snapshot = (task.status, task.attempt, task.job_id, task.error)
            with pytest.raises(IllegalTransition):
                act(task, action)
            assert (task.status, task.attempt, task.job_id, task.error) == snapshot


@settings(max_examples=200)
@given(st.integers(min_value=1, max_value=8), st.integers(min_value=1, max_value=8))
def test_a_stale_attempt_never_overwrites_the_current_one(current: int, stale: int) -> None:
    task = Task.create(video_id=new_video_id(), task_type=TaskType.OCR, config={}, now=NOW, correlation_id="c")
    for _ in range(current - 1):
        task.enqueue(NOW)
        task.cancel(NOW)
        task.retry(NOW)
    task.enqueue(NOW)
    task.start(task.attempt, NOW)
    if stale != task.attempt:
        with pytest.raises(StaleAttempt):
            task.complete(stale, NOW)
        assert task.status is R


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_equal_configs_hash_equal_whatever_the_key_order(config: dict) -> None:
    reordered = dict(reversed(list(config.items())))
    assert config_hash(config) == config_hash(reordered)
    assert config_hash(config) != config_hash({**config, "\x00extra": 1})
