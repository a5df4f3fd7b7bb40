"""A video file found under a media root, and what probing it told us."""

import unicodedata
from dataclasses import dataclass, field, replace
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


# Characters a name must not hold to be shown as it is: controls (Cc), format characters (Cf: the
# bidi controls such as U+202E, which make "clip<U+202E>4pm.exe" look like "clipexe.mp4", zero-width
# ones), line and paragraph separators, private-use characters and lone surrogates.
INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})


def upload_name(name: str) -> str:
    """The name an uploaded file is stored under: one NFC-normalised path component with a video
    extension; `InvalidUploadName` or `UnsupportedUpload` (no video extension) say what is wrong."""
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned or cleaned in {".", ".."} or cleaned.startswith("."):
        raise InvalidUploadName(f"file name {name!r} is empty or hidden")
    if any(c in cleaned for c in "/\\") or any(unicodedata.category(c) in INVISIBLE for c in cleaned):
        raise InvalidUploadName(
            f"file name {name!r} must be a plain name, without separators, control, format (bidi, zero-width) "
            "or line-separating characters"
        )
    if len(cleaned.encode()) > MAX_NAME_BYTES:
        raise InvalidUploadName(f"file name is longer than {MAX_NAME_BYTES} bytes")
    if extension_of(cleaned) not in VIDEO_EXTENSIONS:
        allowed = " ".join(sorted(VIDEO_EXTENSIONS))
        raise UnsupportedUpload(f"file name {name!r} has no video extension (allowed: {allowed})")
    return cleaned


class VideoStatus(StrEnum):
    READY = "ready"  # probed as a video; its tasks exist
    INVALID = "invalid"  # unreadable, corrupt or not a video; `error` says why
    MISSING = "missing"  # every file with its content is gone: its results stay until one is seen again


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


@dataclass(frozen=True)
class FileLocation:
    """One file holding a video's content: where it is, what its size and mtime were when last
    seen, and since when it is gone (None while it is there)."""

    root: str
    path: str
    size: int
    mtime: float
    missing_since: datetime | None = None

    @classmethod
    def of(cls, stat: FileStat) -> "FileLocation":
        return cls(stat.root, stat.path, stat.size, stat.mtime)

    @property
    def present(self) -> bool:
        return self.missing_since is None


@dataclass
class Video:
    """A video is its content (`content_hash`, the fingerprint): every file with that content is one
    of its `locations`, analysed once. `root`/`path`/`size`/`mtime` are its primary location, a file
    that is there whenever any is; when none is, the video is MISSING and keeps its results. An
    INVALID video is one unreadable file: it is never shared, and goes when its file does."""

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
    missing_since: datetime | None = None
    locations: list[FileLocation] = field(default_factory=list)

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
            locations=[FileLocation.of(stat)],
        )

    def update_content(self, stat: FileStat, content_hash: str, media: MediaInfo | None, error: str | None) -> None:
        """Its only file now holds other content: the video becomes that content, at that file."""
        self.root, self.path, self.size, self.mtime = stat.root, stat.path, stat.size, stat.mtime
        self.content_hash, self.media, self.error = content_hash, media, error
        self.status = VideoStatus.READY if media is not None else VideoStatus.INVALID
        self.missing_since, self.locations = None, [FileLocation.of(stat)]

    def location(self, root: str, path: str) -> FileLocation | None:
        return next((f for f in self.locations if (f.root, f.path) == (root, path)), None)

    def only_file_is(self, root: str, path: str) -> bool:
        """Whether the file at (root, path) is there and is the video's one location."""
        return len(self.locations) == 1 and self.locations[0].present and self.location(root, path) is not None

    def add_location(self, stat: FileStat, now: datetime) -> bool:
        """Another file with this content. True when every other file of it was gone: a move or a
        rename, and this file becomes the primary; False for one more copy."""
        moved = not any(f.present for f in self.locations)
        self._put(FileLocation.of(stat))
        self._settle(now)
        return moved

    def see(self, stat: FileStat, now: datetime) -> bool:
        """The file at `stat` is there, with this size and mtime. True when it had been missing."""
        known = self.location(stat.root, stat.path)
        self._put(FileLocation.of(stat))
        self._settle(now)
        return known is not None and not known.present

    def lose(self, root: str, path: str, now: datetime) -> None:
        """The file at (root, path) is gone: it stays a location, missing since `now`."""
        known = self.location(root, path)
        if known is not None and known.present:
            self._put(replace(known, missing_since=now))
            self._settle(now)

    def release(self, root: str, path: str, now: datetime) -> None:
        """The file at (root, path) no longer holds this content: it is no location of it any more."""
        self.locations = [f for f in self.locations if (f.root, f.path) != (root, path)]
        self._settle(now)

    def _put(self, location: FileLocation) -> None:
        others = [f for f in self.locations if (f.root, f.path) != (location.root, location.path)]
        self.locations = sorted([*others, location], key=lambda f: (f.root, f.path))

    def _settle(self, now: datetime) -> None:
        """Keep the primary on a file that is there while any is; with none, a READY video becomes
        MISSING (an INVALID one stays INVALID: its owner forgets it)."""
        present = [f for f in self.locations if f.present]
        if not present:
            if self.status is VideoStatus.READY:
                self.status, self.missing_since = VideoStatus.MISSING, now
            return
        primary = self.location(self.root, self.path)
        if primary is None or not primary.present:
            primary = present[0]
        self.root, self.path, self.size, self.mtime = primary.root, primary.path, primary.size, primary.mtime
        if self.status is VideoStatus.MISSING:
            self.status = VideoStatus.READY
        self.missing_since = None
