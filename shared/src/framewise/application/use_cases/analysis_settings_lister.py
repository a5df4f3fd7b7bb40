from framewise.application.ports import UnitOfWork
from framewise.domain.analysis_settings import SettingsLayer


class AnalysisSettingsLister:
    """Every stored layer of analysis settings, weakest first (the library, folders from the
    shallowest, videos)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[SettingsLayer]:
        async with self._uow:
            layers = await self._uow.settings.all()
        return sorted(layers, key=lambda layer: (layer.strength, layer.key))
