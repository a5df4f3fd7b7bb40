from framewise.application.ports import UnitOfWork
from framewise.application.results import RunSummary
from framewise.domain.ids import TaskId


class RunLister:
    """A task's runs, newest first: the one readers see, a re-index run being built, and the old
    ones it superseded (their provenance and times; their artifacts are gone). `TaskNotFound`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, task_id: TaskId) -> list[RunSummary]:
        async with self._uow:
            await self._uow.tasks.get(task_id)
            return await self._uow.artifacts.runs_of(task_id)
