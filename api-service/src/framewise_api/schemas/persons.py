"""Persons as the API answers them: no descriptor ever, links to stills of their faces."""

from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from framewise.application.results import FaceShown, PersonAppearance, PersonSummary, RegroupState, RegroupStatus
from framewise_api.media_auth import MediaLinks
from framewise_api.schemas.pages import PageOut

FACE_WIDTH = 320  # the still a face link shows, scaled to this width


class FaceBox(BaseModel):
    x1: float
    y1: float
    x2: float
    y2: float

    @classmethod
    def of(cls, box: tuple[float, float, float, float]) -> Self:
        x1, y1, x2, y2 = (round(corner, 1) for corner in box)  # stored as REAL: 244.60000610351562
        return cls(x1=x1, y1=y1, x2=x2, y2=y2)


def _still(shown: FaceShown, links: MediaLinks) -> str:
    query = links.query("thumbnail", shown.video_id)
    return f"/api/v1/videos/{shown.video_id}/thumbnail?t_ms={shown.best_ms}&width={FACE_WIDTH}&{query}"


def _box(shown: FaceShown) -> FaceBox:
    return FaceBox.of(shown.box)


class PersonOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6a0f3c2e-9b1d-4e7a-8c5f-2d3b4a6e8f10",
                    "name": "Ada Lovelace",
                    "faces": 14,
                    "videos": 3,
                    "thumbnail_url": "/api/v1/videos/0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c/thumbnail"
                    "?t_ms=41000&width=320&exp=1796040000&sig=9c1f",
                    "thumbnail_box": {"x1": 212.0, "y1": 96.5, "x2": 318.0, "y2": 227.0},
                }
            ]
        }
    )
    id: UUID
    name: str | None = Field(description="what people named the person; none until they do")
    faces: int = Field(description="face tracks (one face followed over consecutive frames) grouped here")
    videos: int = Field(description="videos they appear in")
    thumbnail_url: str | None = Field(description="a signed link to the frame of the person's best face")
    thumbnail_box: FaceBox | None = Field(description="the face's box in that frame, in pixels of the video")

    @classmethod
    def of(cls, person: PersonSummary, links: MediaLinks) -> Self:
        best = person.best
        return cls(
            id=person.id,
            name=person.name,
            faces=person.faces,
            videos=person.videos,
            thumbnail_url=_still(best, links) if best else None,
            thumbnail_box=_box(best) if best else None,
        )


class PersonPage(PageOut[PersonOut]):
    pass


class AppearanceOut(BaseModel):
    face_id: UUID = Field(description="the face track; `POST .../faces/{face_id}/remove` says it is someone else")
    video_id: UUID
    video_path: str
    start_ms: int
    end_ms: int
    best_ms: int = Field(description="when the face is seen best")
    box: FaceBox = Field(description="where, at best_ms, in pixels of the video")
    thumbnail_url: str = Field(description="a signed link to that frame")
    stream_url: str = Field(description="a signed link to the video's stream from the appearance (#t=<seconds>)")

    @classmethod
    def of(cls, a: PersonAppearance, links: MediaLinks) -> Self:
        stream = links.query("stream", a.video_id)
        return cls(
            face_id=a.face_id,
            video_id=a.video_id,
            video_path=a.video_path,
            start_ms=a.start_ms,
            end_ms=a.end_ms,
            best_ms=a.shown.best_ms,
            box=_box(a.shown),
            thumbnail_url=_still(a.shown, links),
            stream_url=f"/api/v1/videos/{a.video_id}/stream?{stream}#t={a.start_ms / 1000:.3f}",
        )


class AppearancePage(PageOut[AppearanceOut]):
    pass


class MergeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"person_ids": ["9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f"]}]}
    )
    person_ids: list[UUID] = Field(min_length=1, max_length=100, description="the persons that are this one")


class MergedOut(BaseModel):
    person: PersonOut
    faces_moved: int


class RemovedOut(BaseModel):
    new_person_id: UUID = Field(description="the person the face is in now, alone")


class RegroupedOut(BaseModel):
    faces: int = Field(description="faces placed again")
    persons: int = Field(description="the persons they are in now")


class RegroupOut(BaseModel):
    """Where the library's re-grouping stands; a CPU worker runs it, one at a time."""

    state: RegroupState = Field(description="queued (waiting for a CPU worker), running, or idle")
    requested_at: datetime | None = Field(description="when one was last asked for")
    started_at: datetime | None = Field(description="when the last run started")
    finished_at: datetime | None = Field(description="when the last run ended; null while it runs")
    placed: int = Field(description="faces the last run has placed so far")
    total: int = Field(description="faces the last run has to place")
    last: RegroupedOut | None = Field(description="what the last finished run did")

    @classmethod
    def of(cls, status: RegroupStatus) -> Self:
        last = status.last
        return cls(
            state=status.state,
            requested_at=status.requested_at,
            started_at=status.started_at,
            finished_at=status.finished_at,
            placed=status.placed,
            total=status.total,
            last=None if last is None else RegroupedOut(faces=last.faces, persons=last.persons),
        )
