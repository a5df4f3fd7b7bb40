from framewise.application.ports import FrameGrabber, MediaLibrary, VideoQueries
from framewise.application.use_cases.video_media import playable_video
from framewise.domain.errors import TimeOutOfRange
from framewise.domain.ids import VideoId


class ThumbnailMaker:
    """A JPEG of the exact frame shown at `t_ms`, optionally scaled to `width`."""

    def __init__(self, videos: VideoQueries, library: MediaLibrary, frames: FrameGrabber) -> None:
        self._videos, self._library, self._frames = videos, library, frames

    async def execute(self, video_id: VideoId, t_ms: int, width: int | None = None) -> bytes:
        video = await playable_video(self._videos, video_id)
        assert video.media is not None
        if t_ms >= video.media.duration_ms:
            raise TimeOutOfRange(f"t_ms {t_ms} is past the end of the video ({video.media.duration_ms} ms)")
        return await self._frames.jpeg(self._library.absolute(video.root, video.path), video.content_hash, t_ms, width)
