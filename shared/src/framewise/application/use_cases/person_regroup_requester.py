from framewise.application.ports import Clock, RegroupQueue
from framewise.application.results import RegroupStatus


class PersonRegroupRequester:
    """Ask for the library's faces to be grouped again; a CPU worker does it (minutes for a large
    library), one re-grouping at a time: asking while one waits or runs changes nothing."""

    def __init__(self, queue: RegroupQueue, clock: Clock) -> None:
        self._queue, self._clock = queue, clock

    async def execute(self) -> RegroupStatus:
        return await self._queue.request(self._clock.now())
