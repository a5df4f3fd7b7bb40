import asyncio

from framewise.application.ports import MlStatusReader, QueueDepths, TaskCounter
from framewise.application.results import SystemReport


class SystemDescriber:
    """The installation at a glance for its operator: what the ML service says of its models, device
    and gate (or why it cannot be asked), how deep each queue is, and how many tasks there are by
    status and type (and how many of them wait for a model)."""

    def __init__(self, ml: MlStatusReader, queues: QueueDepths, tasks: TaskCounter) -> None:
        self._ml, self._queues, self._tasks = ml, queues, tasks

    async def execute(self) -> SystemReport:
        ml, queues, tasks = await asyncio.gather(self._ml.status(), self._queues.depths(), self._tasks.count_tasks())
        return SystemReport(ml=ml, queues=queues, tasks=tasks)
