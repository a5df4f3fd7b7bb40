"""Speakers as the API answers them: never a voice, always a number to call an unnamed one by."""

from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from framewise.application.results import SpeakerAppearance, SpeakerSuggestion, SpeakerSummary
from framewise.domain.voices import SpeakerRef
from framewise_api.media_auth import MediaLinks
from framewise_api.schemas.pages import PageOut


class SpeakerRefOut(BaseModel):
    """Who speaks: a transcript item's, a hit's speaker."""

    id: UUID
    name: str | None = Field(description="what people named the speaker; none until they do")
    number: int = Field(description='a stable number in the library: "Speaker <number>" while unnamed')

    @classmethod
    def of(cls, ref: SpeakerRef | None) -> Self | None:
        return None if ref is None else cls(id=ref.id, name=ref.name, number=ref.number)


class SuggestionOut(BaseModel):
    """A person whose face is on screen, again and again, while the speaker talks."""

    person_id: UUID
    person_name: str | None
    turns: int = Field(description="the speaker's turns that overlap that person's faces")

    @classmethod
    def of(cls, s: SpeakerSuggestion) -> Self:
        return cls(person_id=s.person_id, person_name=s.person_name, turns=s.turns)


class SpeakerOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60",
                    "name": "Ada Lovelace",
                    "number": 2,
                    "segments": 41,
                    "videos": 3,
                    "person_id": None,
                    "suggestion": None,
                }
            ]
        }
    )
    id: UUID
    name: str | None = Field(description="what people named the speaker; none until they do")
    number: int = Field(description='a stable number in the library: "Speaker <number>" while unnamed')
    segments: int = Field(description="speaker turns (transcript items) grouped here")
    videos: int = Field(description="videos they speak in")
    person_id: UUID | None = Field(default=None, description="the person people said the speaker is")
    suggestion: SuggestionOut | None = Field(
        default=None, description="one speaker only: a person whose face shows while they talk, again and again"
    )

    @classmethod
    def of(cls, s: SpeakerSummary) -> Self:
        return cls(
            id=s.id,
            name=s.name,
            number=s.number,
            segments=s.segments,
            videos=s.videos,
            person_id=s.person_id,
            suggestion=None if s.suggestion is None else SuggestionOut.of(s.suggestion),
        )


class SpeakerPage(PageOut[SpeakerOut]):
    pass


class SpeakerAppearanceOut(BaseModel):
    video_id: UUID
    video_path: str
    start_ms: int
    end_ms: int
    text: str | None = Field(description="what the turn says")
    stream_url: str = Field(description="a signed link to the video's stream from the turn (#t=<seconds>)")

    @classmethod
    def of(cls, a: SpeakerAppearance, links: MediaLinks) -> Self:
        stream = links.query("stream", a.video_id)
        return cls(
            video_id=a.video_id,
            video_path=a.video_path,
            start_ms=a.start_ms,
            end_ms=a.end_ms,
            text=a.text,
            stream_url=f"/api/v1/videos/{a.video_id}/stream?{stream}#t={a.start_ms / 1000:.3f}",
        )


class SpeakerAppearancePage(PageOut[SpeakerAppearanceOut]):
    pass


class SpeakerMergeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"speaker_ids": ["9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f"]}]}
    )
    speaker_ids: list[UUID] = Field(min_length=1, max_length=100, description="the speakers that are this one")


class SpeakerMergedOut(BaseModel):
    speaker: SpeakerOut
    segments_moved: int


class AcceptIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"person_id": "6a0f3c2e-9b1d-4e7a-8c5f-2d3b4a6e8f10"}]}
    )
    person_id: UUID = Field(description="the person the speaker is (usually the suggestion's)")
