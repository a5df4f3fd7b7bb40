"""The job on the queue: what the API pushes is what the worker parses, in both the current form
(keywords, with the task type) and the form queued before the task type travelled (positional)."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from framewise.contracts.jobs import RunTaskJob
from framewise.domain.ids import VideoId
from framewise.domain.routing import TaskType
from framewise.domain.task import Task

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_what_is_pushed_is_what_is_parsed() -> None:
    task = Task.create(video_id=VideoId(uuid4()), task_type=TaskType.OCR, config={}, now=NOW, correlation_id="c-1")
    job = RunTaskJob.of(task.enqueue(NOW))
    parsed = RunTaskJob.parse((), job.arguments())
    assert parsed == job and (parsed.task_id, parsed.attempt, parsed.task_type) == (task.id, 1, TaskType.OCR)


def test_a_job_queued_before_the_task_type_travelled_still_parses() -> None:
    task_id = uuid4()
    parsed = RunTaskJob.parse((str(task_id), 2, "corr"), {})
    assert (parsed.task_id, parsed.attempt, parsed.correlation_id, parsed.task_type) == (task_id, 2, "corr", None)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {"task_id": "not-a-uuid", "attempt": 1, "correlation_id": "c"}),
        ((), {"task_id": str(uuid4()), "attempt": 0, "correlation_id": "c"}),
        ((), {"task_id": str(uuid4()), "attempt": 1, "correlation_id": "c", "task_type": "nonsense"}),
        ((), {"task_id": str(uuid4()), "attempt": 1, "correlation_id": "c", "payload": [1, 2]}),
    ],
    ids=["bad-id", "attempt-0", "unknown-type", "unknown-field"],
)
def test_a_malformed_job_is_refused(args: tuple, kwargs: dict) -> None:
    with pytest.raises(ValidationError):
        RunTaskJob.parse(args, kwargs)
