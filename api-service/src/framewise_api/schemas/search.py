from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from framewise.application.results import Jump, LabelCount, LanguageCount, MatchKind, SearchHit
from framewise.application.results import SearchPage as FoundPage
from framewise.domain.moments import MomentType
from framewise_api.media_auth import MediaLinks
from framewise_api.schemas.pages import PageOut
from framewise_api.schemas.persons import FaceBox
from framewise_api.schemas.speakers import SpeakerRefOut

THUMBNAIL_WIDTH = 320
_VIDEO = "/api/v1/videos/0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c"  # in the examples


class SearchHitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "video_id": "0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c",
                    "video_path": "lectures/2024/intro.mp4",
                    "type": "transcript",
                    "start_ms": 300,
                    "end_ms": 3100,
                    "text": "The quick brown fox jumps over the lazy dog.",
                    "snippet": "The quick brown fox jumps over the <mark>lazy</mark> dog.",
                    "score": 0.61,
                    "match": "exact",
                    "language": "en",
                    "confidence": 0.93,
                    "run_id": "run-5c1e0b9d",
                    "thumbnail_url": f"{_VIDEO}/thumbnail?t_ms=1200&width=320&exp=1796040000&sig=9c1f",
                    "stream_url": f"{_VIDEO}/stream?exp=1796040000&sig=9c1f#t=0.300",
                }
            ]
        }
    )

    video_id: str
    video_path: str = Field(description="the file's path under its media root")
    type: MomentType
    start_ms: int
    end_ms: int
    text: str = Field(description="what was said, shown or seen")
    snippet: str = Field(description="the text, HTML-escaped, with the match in <mark>")
    score: float = Field(description="relevance to `q` (higher is better), or the confidence without `q`")
    confidence: float | None
    run_id: str
    person_id: UUID | None = Field(None, description="a person moment's person (`/api/v1/persons/{person_id}`)")
    box: FaceBox | None = Field(None, description="a person moment's face at its best frame, in pixels of the video")
    match: MatchKind | None = Field(
        None,
        description="how it matched `q`: exact (the words as typed, stemmed in speech), phrase (a quoted phrase, "
        "in order) or fuzzy (a close spelling of a word that matched nothing as typed); none without `q`",
    )
    language: str | None = Field(None, description="speech's language (ISO 639-1); none for other moments")
    speaker: SpeakerRefOut | None = Field(None, description="who speaks (speech and speaker moments), when known")
    thumbnail_url: str = Field(description="a signed link to a still of the moment's best frame (opens only that)")
    stream_url: str = Field(
        description="a signed link to the video's stream (opens only that), with a media fragment #t=<seconds>"
    )

    @classmethod
    def of(cls, hit: SearchHit, links: MediaLinks) -> "SearchHitOut":
        base = f"/api/v1/videos/{hit.video_id}"
        still, stream = links.query("thumbnail", hit.video_id), links.query("stream", hit.video_id)
        return cls(
            video_id=str(hit.video_id),
            video_path=hit.path,
            type=hit.moment_type,
            start_ms=hit.start_ms,
            end_ms=hit.end_ms,
            text=hit.label,
            snippet=hit.snippet,
            score=hit.score,
            confidence=hit.confidence,
            run_id=hit.run_id,
            person_id=hit.person_id,
            box=FaceBox.of(hit.box) if hit.box else None,
            match=hit.match,
            language=hit.language,
            speaker=SpeakerRefOut.of(hit.speaker),
            thumbnail_url=f"{base}/thumbnail?t_ms={hit.best_ms}&width={THUMBNAIL_WIDTH}&{still}",
            stream_url=f"{base}/stream?{stream}#t={hit.start_ms / 1000:.3f}",
        )


class SearchPage(PageOut[SearchHitOut]):
    total_is_estimate: bool = Field(
        False, description="`total` is the planner's estimate: more hits than are counted exactly (10,000)"
    )

    @classmethod
    def of(cls, page: FoundPage, links: MediaLinks) -> "SearchPage":
        found = cls.converted(page, lambda hit: SearchHitOut.of(hit, links))
        return found.model_copy(update={"total_is_estimate": page.total_is_estimate})


class JumpOut(BaseModel):
    hit: SearchHitOut | None = Field(description="the next (or previous) moment; none when nothing matches")
    wrapped: bool = Field(description="true when it came from the other end of the library")

    @classmethod
    def of(cls, jump: Jump, links: MediaLinks) -> "JumpOut":
        return cls(hit=SearchHitOut.of(jump.hit, links) if jump.hit else None, wrapped=jump.wrapped)


class LabelOut(BaseModel):
    type: MomentType
    label: str
    moments: int
    videos: int

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "object", "label": "cat", "moments": 14, "videos": 3}]}
    )

    @classmethod
    def of(cls, found: LabelCount) -> "LabelOut":
        return cls(type=found.moment_type, label=found.label, moments=found.moments, videos=found.videos)


class LabelsOut(BaseModel):
    items: list[LabelOut]


class LanguageOut(BaseModel):
    language: str = Field(description="ISO 639-1 code")
    moments: int = Field(description="speech moments in it")

    model_config = ConfigDict(json_schema_extra={"examples": [{"language": "fr", "moments": 412}]})

    @classmethod
    def of(cls, found: LanguageCount) -> "LanguageOut":
        return cls(language=found.language, moments=found.moments)


class LanguagesOut(BaseModel):
    items: list[LanguageOut]
