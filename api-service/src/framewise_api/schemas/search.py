from pydantic import BaseModel, Field

from framewise.application.results import Jump, LabelCount, SearchHit
from framewise.domain.moments import MomentType
from framewise_api.media_auth import MediaSigner
from framewise_api.schemas.pages import PageOut

THUMBNAIL_WIDTH = 320


class SearchHitOut(BaseModel):
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
    thumbnail_url: str = Field(description="a signed link to a still of the moment's best frame")
    stream_url: str = Field(description="a signed link to the video, with a media fragment #t=<seconds>")

    @classmethod
    def of(cls, hit: SearchHit, signer: MediaSigner) -> "SearchHitOut":
        signed = signer.query(hit.video_id)
        base = f"/api/v1/videos/{hit.video_id}"
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
            thumbnail_url=f"{base}/thumbnail?t_ms={hit.best_ms}&width={THUMBNAIL_WIDTH}&{signed}",
            stream_url=f"{base}/stream?{signed}#t={hit.start_ms / 1000:.3f}",
        )


class SearchPage(PageOut[SearchHitOut]):
    pass


class JumpOut(BaseModel):
    hit: SearchHitOut | None = Field(description="the next (or previous) moment; none when nothing matches")
    wrapped: bool = Field(description="true when it came from the other end of the library")

    @classmethod
    def of(cls, jump: Jump, signer: MediaSigner) -> "JumpOut":
        return cls(hit=SearchHitOut.of(jump.hit, signer) if jump.hit else None, wrapped=jump.wrapped)


class LabelOut(BaseModel):
    type: MomentType
    label: str
    moments: int
    videos: int

    @classmethod
    def of(cls, found: LabelCount) -> "LabelOut":
        return cls(type=found.moment_type, label=found.label, moments=found.moments, videos=found.videos)


class LabelsOut(BaseModel):
    items: list[LabelOut]
