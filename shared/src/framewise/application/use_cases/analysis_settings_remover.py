from framewise.application.ports import MediaLibrary, UnitOfWork
from framewise.domain.analysis_settings import Scope, SettingsLayer
from framewise.domain.errors import NotFound
from framewise.domain.ids import VideoId


class AnalysisSettingsRemover:
    """Remove one layer of analysis settings (the library's, a folder's, a video's); `NotFound`
    when there is none. Tasks keep the config they ran with until a re-index."""

    def __init__(self, uow: UnitOfWork, library: MediaLibrary) -> None:
        self._uow, self._library = uow, library

    async def execute(self, scope: Scope, folder: str | None = None, video_id: VideoId | None = None) -> None:
        root, under = self._library.locate(folder or "") if scope is Scope.FOLDER else (None, None)
        key = SettingsLayer(scope, {}, root=root, folder=under, video_id=video_id).key
        async with self._uow:
            if not await self._uow.settings.delete(key):
                raise NotFound("settings", key)
            await self._uow.commit()
