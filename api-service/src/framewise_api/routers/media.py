"""A video's media for players and result lists: the file with byte ranges, exact-frame stills,
captions and chapters. Programs send their bearer token; browsers use the signed links search
hands out (see media_auth)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import FileResponse, PlainTextResponse

from framewise.domain.ids import VideoId
from framewise.domain.payloads import ArtifactType
from framewise_api.byte_ranges import check_range
from framewise_api.captions import to_srt, to_vtt
from framewise_api.dependencies import Cues, FileLocator, Thumbnails, known_video
from framewise_api.media_auth import media_access
from framewise_api.problems import errors

router = APIRouter(
    prefix="/api/v1/videos",
    tags=["media"],
    dependencies=[Depends(media_access), Depends(known_video)],
    responses=errors(403, 404, 409, 503),  # a bad link; an unknown video; one that cannot be played
)
PRIVATE = {"Cache-Control": "private, max-age=300"}  # a signed link is personal: no shared caches


def text_body(content_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {content_type: {"schema": {"type": "string"}}}, "description": "the cues"}}


BINARY = {"schema": {"type": "string", "format": "binary"}}
ACCEPT_RANGES = {"Accept-Ranges": {"description": "`bytes`: byte ranges are served", "schema": {"type": "string"}}}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the whole file",
        "headers": ACCEPT_RANGES,
        "content": {"video/*": BINARY, "application/octet-stream": BINARY},
    },
    206: {
        "description": "a byte range",
        "headers": {
            "Content-Range": {"description": "`bytes <first>-<last>/<size>`", "schema": {"type": "string"}},
            **ACCEPT_RANGES,
        },
        "content": {"video/*": BINARY, "application/octet-stream": BINARY},
    },
    **errors(400, 416),
}


@router.get("/{video_id}/stream", response_class=FileResponse, responses=STREAM_RESPONSES)
async def stream_video(
    video_id: UUID, files: FileLocator, range: Annotated[str | None, Header(max_length=1000)] = None
) -> Response:
    """The video file, with HTTP byte ranges (206 with Content-Range; 416 past the end)."""
    found = await files.execute(VideoId(video_id))
    check_range(range, found.size)
    return FileResponse(found.absolute_path, media_type=found.content_type, headers=PRIVATE)


@router.get("/{video_id}/thumbnail", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
async def video_thumbnail(
    video_id: UUID,
    thumbnails: Thumbnails,
    t_ms: Annotated[int, Query(ge=0, le=2**53, description="the time shown, in ms")] = 0,
    width: Annotated[int | None, Query(ge=16, le=3840, description="scale down to this width")] = None,
) -> Response:
    """A JPEG of the exact frame shown at `t_ms` (the keyframe before, decoded forward), cached."""
    jpeg = await thumbnails.execute(VideoId(video_id), t_ms, width)
    return Response(jpeg, media_type="image/jpeg", headers=PRIVATE)


@router.get("/{video_id}/captions.vtt", response_class=PlainTextResponse, responses=text_body("text/vtt"))
async def captions_vtt(video_id: UUID, cues: Cues) -> PlainTextResponse:
    """The transcript as WebVTT captions."""
    found = await cues.execute(VideoId(video_id), ArtifactType.TRANSCRIPT_SEGMENT)
    return PlainTextResponse(to_vtt(found), media_type="text/vtt; charset=utf-8", headers=PRIVATE)


@router.get("/{video_id}/captions.srt", response_class=PlainTextResponse, responses=text_body("application/x-subrip"))
async def captions_srt(video_id: UUID, cues: Cues) -> PlainTextResponse:
    """The transcript as SubRip captions."""
    found = await cues.execute(VideoId(video_id), ArtifactType.TRANSCRIPT_SEGMENT)
    return PlainTextResponse(to_srt(found), media_type="application/x-subrip; charset=utf-8", headers=PRIVATE)


@router.get("/{video_id}/chapters.vtt", response_class=PlainTextResponse, responses=text_body("text/vtt"))
async def chapters_vtt(video_id: UUID, cues: Cues) -> PlainTextResponse:
    """The scenes as WebVTT chapters."""
    found = await cues.execute(VideoId(video_id), ArtifactType.SCENE)
    return PlainTextResponse(to_vtt(found), media_type="text/vtt; charset=utf-8", headers=PRIVATE)
