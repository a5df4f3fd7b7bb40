from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from framewise.application.results import Page
from framewise.application.use_cases.video_uploader import Uploaded
from framewise.domain.video import FileLocation, Video, VideoStatus
from framewise_api.schemas.pages import PageOut


class LocationOut(BaseModel):
    """One file holding the video's content."""

    root: str
    path: str
    size: int
    mtime: float
    missing_since: datetime | None  # not found by a scan since then

    @classmethod
    def of(cls, f: FileLocation) -> Self:
        return cls(root=f.root, path=f.path, size=f.size, mtime=f.mtime, missing_since=f.missing_since)


class VideoOut(BaseModel):
    id: UUID = Field(examples=["0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c"])
    root: str = Field(examples=["/srv/media"])
    path: str = Field(examples=["lectures/2024/intro.mp4"])
    size: int = Field(examples=[48_213_004])
    mtime: float
    content_hash: str
    status: VideoStatus
    error: str | None
    duration_ms: int | None
    fps: float | None
    width: int | None
    height: int | None
    has_audio: bool | None
    discovered_at: datetime
    missing_since: datetime | None  # MISSING: none of its files is left since then
    locations: list[LocationOut]  # every file with its content; `root`/`path` is the primary one

    @classmethod
    def of(cls, v: Video) -> Self:
        m = v.media
        return cls(
            id=v.id,
            root=v.root,
            path=v.path,
            size=v.size,
            mtime=v.mtime,
            content_hash=v.content_hash,
            status=v.status,
            error=v.error,
            duration_ms=m.duration_ms if m else None,
            fps=m.fps if m else None,
            width=m.width if m else None,
            height=m.height if m else None,
            has_audio=m.has_audio if m else None,
            discovered_at=v.discovered_at,
            missing_since=v.missing_since,
            locations=[LocationOut.of(f) for f in v.locations],
        )


class VideoPage(PageOut[VideoOut]):
    @classmethod
    def of(cls, page: Page[Video]) -> Self:
        return cls.converted(page, VideoOut.of)


class UploadOut(BaseModel):
    video_id: UUID
    path: str
    size: int
    tasks_created: int
    jobs_enqueued: int

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "video_id": "0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c",
                    "path": "uploads/intro.mp4",
                    "size": 48_213_004,
                    "tasks_created": 6,
                    "jobs_enqueued": 6,
                }
            ]
        }
    )

    @classmethod
    def of(cls, u: Uploaded) -> Self:
        return cls(
            video_id=u.video_id,
            path=u.path,
            size=u.size,
            tasks_created=u.report.tasks_created,
            jobs_enqueued=u.report.jobs_enqueued,
        )
