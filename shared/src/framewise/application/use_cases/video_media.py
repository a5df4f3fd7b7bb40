"""What the media use cases share: the video must exist (404) and be a readable video (409)."""

from dataclasses import dataclass

from framewise.application.ports import VideoQueries
from framewise.domain.errors import VideoNotFound, VideoNotPlayable
from framewise.domain.ids import VideoId
from framewise.domain.video import Video, VideoStatus


@dataclass(frozen=True)
class VideoFile:
    absolute_path: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str
    voice: str | None = None  # who says it (a speaker's name, or "Speaker 2"), for captions


async def playable_video(videos: VideoQueries, video_id: VideoId) -> Video:
    video = await videos.find(video_id)
    if video is None:
        raise VideoNotFound(video_id)
    if video.status is not VideoStatus.READY or video.media is None:
        raise VideoNotPlayable(f"video {video_id} is {video.status.value}: nothing to play")
    return video
