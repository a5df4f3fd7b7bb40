from framewise.application.ports import UnitOfWork
from framewise.domain.ids import VideoId


class VideoForgetter:
    """Forget a video: its record, its locations, tasks, runs, artifacts and moments go in one
    transaction; its files are never touched, so one still under a media root is discovered again
    (as new) by the next scan. Jobs still queued for its tasks find no task and are skipped."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, video_id: VideoId) -> None:
        async with self._uow:
            await self._uow.videos.delete(video_id)  # VideoNotFound when there is none
            await self._uow.commit()
