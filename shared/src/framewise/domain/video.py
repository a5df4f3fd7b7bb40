"""A video file found under a media root, and what probing it told us."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from framewise.domain.ids import VideoId, new_video_id


class VideoStatus(StrEnum):
    READY = "ready"  # probed as a video; its tasks exist
    INVALID = "invalid"  # unreadable, corrupt or not a video; `error` says why


@dataclass(frozen=True)
class FileStat:
    """A file as the scanner sees it: where it is and what its size and mtime say."""

    root: str
    path: str  # relative to root, POSIX separators
    size: int
    mtime: float


@dataclass(frozen=True)
class MediaInfo:
    duration_ms: int
    fps: float
    width: int
    height: int
    has_audio: bool


@dataclass
class Video:
    id: VideoId
    root: str
    path: str
    size: int
    mtime: float
    content_hash: str
    status: VideoStatus
    discovered_at: datetime
    media: MediaInfo | None = None
    error: str | None = None

    @classmethod
    def register(
        cls, stat: FileStat, content_hash: str, media: MediaInfo | None, error: str | None, now: datetime
    ) -> "Video":
        status = VideoStatus.READY if media is not None else VideoStatus.INVALID
        return cls(
            id=new_video_id(),
            root=stat.root,
            path=stat.path,
            size=stat.size,
            mtime=stat.mtime,
            content_hash=content_hash,
            status=status,
            discovered_at=now,
            media=media,
            error=error,
        )

    def update_content(self, stat: FileStat, content_hash: str, media: MediaInfo | None, error: str | None) -> None:
        self.size, self.mtime, self.content_hash = stat.size, stat.mtime, content_hash
        self.media, self.error = media, error
        self.status = VideoStatus.READY if media is not None else VideoStatus.INVALID
