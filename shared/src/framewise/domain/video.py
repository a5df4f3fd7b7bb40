"""A video file found under a media root, and what probing it told us."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from framewise.domain.errors import InvalidUploadName, UnsupportedUpload
from framewise.domain.ids import VideoId, new_video_id

VIDEO_EXTENSIONS = frozenset(".mp4 .m4v .mov .mkv .webm .avi .mpg .mpeg .ts .mts .m2ts .wmv .flv .3gp .ogv".split())
MAX_NAME_BYTES = 200


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def is_video_name(name: str) -> bool:
    """What discovery looks at: a visible file with a video extension."""
    return not name.startswith(".") and extension_of(name) in VIDEO_EXTENSIONS


def upload_name(name: str) -> str:
    """The name an uploaded file is stored under: one NFC-normalised path component with a video
    extension; `InvalidUploadName` or `UnsupportedUpload` (no video extension) say what is wrong."""
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned or cleaned in {".", ".."} or cleaned.startswith("."):
        raise InvalidUploadName(f"file name {name!r} is empty or hidden")
    if any(c in cleaned for c in "/\\") or any(unicodedata.category(c) == "Cc" for c in cleaned):
        raise InvalidUploadName(f"file name {name!r} must be a plain name, without separators or control characters")
    if len(cleaned.encode()) > MAX_NAME_BYTES:
        raise InvalidUploadName(f"file name is longer than {MAX_NAME_BYTES} bytes")
    if extension_of(cleaned) not in VIDEO_EXTENSIONS:
        allowed = " ".join(sorted(VIDEO_EXTENSIONS))
        raise UnsupportedUpload(f"file name {name!r} has no video extension (allowed: {allowed})")
    return cleaned


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
