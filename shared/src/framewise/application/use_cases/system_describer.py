import asyncio

from framewise.application.ports import LocalServices, MlStatusReader, QueueDepths, TaskCounter
from framewise.application.results import SystemReport


class SystemDescriber:
    """The installation at a glance for its operator: what the ML service says of its models, device
    and gate (or why it cannot be asked), how deep each queue is, how many tasks there are by status
    and type (and how many of them wait for a model), and, under `make run`, the state of each local
    service (running, restarting, down or stopped, with its restarts and last exit)."""

    def __init__(self, ml: MlStatusReader, queues: QueueDepths, tasks: TaskCounter, services: LocalServices) -> None:
        self._ml, self._queues, self._tasks, self._services = ml, queues, tasks, services

    async def execute(self) -> SystemReport:
        ml, queues, tasks, services = await asyncio.gather(
            self._ml.status(), self._queues.depths(), self._tasks.count_tasks(), self._services.local_services()
        )
        return SystemReport(ml=ml, queues=queues, tasks=tasks, services=services)
