import mimetypes

from framewise.application.ports import MediaLibrary, VideoQueries
from framewise.application.use_cases.video_media import VideoFile, playable_video
from framewise.domain.errors import VideoNotPlayable
from framewise.domain.ids import VideoId


class VideoFileLocator:
    """The file of a video, for streaming with byte ranges."""

    def __init__(self, videos: VideoQueries, library: MediaLibrary) -> None:
        self._videos, self._library = videos, library

    async def execute(self, video_id: VideoId) -> VideoFile:
        video = await playable_video(self._videos, video_id)
        if not self._library.is_file(video.root, video.path):
            raise VideoNotPlayable(
                f"the file of this video, {video.path}, is not there any more (moved or deleted): the next "
                "discovery marks it missing, and a scan of its folder does so now"
            )
        content_type = mimetypes.guess_type(video.path)[0] or "application/octet-stream"
        return VideoFile(self._library.absolute(video.root, video.path), content_type, video.size)
