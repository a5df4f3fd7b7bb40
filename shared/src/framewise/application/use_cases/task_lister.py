from framewise.application.ports import TaskQueries
from framewise.application.results import Page, TaskFilter
from framewise.domain.task import Task


class TaskLister:
    """List tasks filtered, sorted and paginated, with the total that matched."""

    def __init__(self, queries: TaskQueries) -> None:
        self._queries = queries

    async def execute(self, query: TaskFilter) -> Page[Task]:
        return await self._queries.list_tasks(query)
