from collections.abc import Mapping
from dataclasses import dataclass

from framewise.application.ports import Clock, MediaLibrary, ModelChecker, UnitOfWork
from framewise.domain.analysis_settings import Scope, SettingsLayer, parse_analyses
from framewise.domain.ids import VideoId


@dataclass(frozen=True)
class SaveSettings:
    """A layer of analysis settings as the API received it: `folder` (absolute, or relative to the
    first root) for a folder layer, `video_id` for a video's."""

    scope: Scope
    analyses: Mapping[str, object]
    folder: str | None = None
    video_id: VideoId | None = None


class AnalysisSettingsSaver:
    """Create or replace one layer of analysis settings, each analysis's keys checked by the ML
    service first (a key its model refuses is an `InvalidSettings` naming it; nothing is stored).
    New tasks take the layers as they are; tasks that ran already are re-run by a re-index."""

    def __init__(self, uow: UnitOfWork, library: MediaLibrary, checker: ModelChecker, clock: Clock) -> None:
        self._uow, self._library, self._checker, self._clock = uow, library, checker, clock

    async def execute(self, command: SaveSettings) -> SettingsLayer:
        analyses = parse_analyses(command.analyses)
        for task_type, config in analyses.items():
            # null sends a key back to the model's default: what is checked is what is set
            await self._checker.check_config(task_type, {k: v for k, v in config.items() if v is not None})
        root = folder = None
        if command.scope is Scope.FOLDER:
            root, folder = self._library.locate(command.folder or "")
        layer = SettingsLayer(
            command.scope,
            analyses,
            root=root,
            folder=folder,
            video_id=command.video_id if command.scope is Scope.VIDEO else None,
            updated_at=self._clock.now(),
        )
        async with self._uow:
            if layer.video_id is not None:
                await self._uow.videos.get(layer.video_id)  # VideoNotFound
            await self._uow.settings.put(layer)
            await self._uow.commit()
        return layer
