from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel

from framewise.application.results import Page
from framewise.application.use_cases.video_uploader import Uploaded
from framewise.domain.video import Video, VideoStatus
from framewise_api.schemas.pages import PageOut


class VideoOut(BaseModel):
    id: UUID
    root: str
    path: str
    size: int
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

    @classmethod
    def of(cls, u: Uploaded) -> Self:
        return cls(
            video_id=u.video_id,
            path=u.path,
            size=u.size,
            tasks_created=u.report.tasks_created,
            jobs_enqueued=u.report.jobs_enqueued,
        )
