import pytest

from framewise.application.results import TaskSelection
from framewise.application.use_cases.task_bulk_canceller import TaskBulkCanceller
from framewise.application.use_cases.task_bulk_retrier import TaskBulkRetrier
from framewise.domain.errors import UnscopedBulkAction
from framewise.domain.task import TaskStatus
from tests.fakes import FakeJobQueue, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("action", [TaskBulkRetrier, TaskBulkCanceller])
async def test_no_filter_is_refused_unless_everything_is_asked_for(action: type) -> None:
    uow = FakeUnitOfWork()
    bulk = action(uow, FakeJobQueue(), FixedClock())

    with pytest.raises(UnscopedBulkAction, match='"all": true'):
        await bulk.execute(TaskSelection())
    assert uow.commits == 0
    assert (await bulk.execute(TaskSelection(everything=True))).matched == 0
    assert (await bulk.execute(TaskSelection(statuses=frozenset({TaskStatus.FAILED})))).matched == 0
