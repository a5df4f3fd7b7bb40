from framewise.application.ports import MlStatusReader
from framewise.application.results import ModelReload


class ModelReloader:
    """Ask the ML service to look for weights that arrived since it started and load them now,
    without a restart; the answer says what changed. MlServiceUnreachable when it cannot be asked."""

    def __init__(self, ml: MlStatusReader) -> None:
        self._ml = ml

    async def execute(self) -> ModelReload:
        return await self._ml.reload()
