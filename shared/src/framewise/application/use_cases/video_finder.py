from framewise.application.ports import VideoQueries
from framewise.domain.errors import VideoNotFound
from framewise.domain.ids import VideoId
from framewise.domain.video import Video


class VideoFinder:
    """One video by id, or VideoNotFound: what every request about a video's own resources checks first."""

    def __init__(self, videos: VideoQueries) -> None:
        self._videos = videos

    async def execute(self, video_id: VideoId) -> Video:
        video = await self._videos.find(video_id)
        if video is None:
            raise VideoNotFound(video_id)
        return video
