from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from framewise.application.results import ArtifactFilter, TaskFilter, VideoFilter, VideoSort
from framewise.domain.errors import VideoNotFound
from framewise.domain.ids import VideoId
from framewise.domain.payloads import ArtifactType
from framewise.domain.video import VideoStatus
from framewise_api.byte_ranges import ascii_int
from framewise_api.dependencies import (
    ArtifactPaging,
    Artifacts,
    ContainerDep,
    CorrelationId,
    Forgetter,
    ListPaging,
    Order,
    Tasks,
    Uploader,
    Videos,
    known_video,
    rate_limit,
)
from framewise_api.problems import errors
from framewise_api.routers.artifacts import TimeMs
from framewise_api.schemas.artifacts import ArtifactPage
from framewise_api.schemas.tasks import TaskPage
from framewise_api.schemas.videos import UploadOut, VideoOut, VideoPage
from framewise_api.security import Caller, require_caller
from framewise_api.uploads import idle_limited

# Every route under /videos/{video_id}/ answers 404 for an unknown video (known_video, after auth).
router = APIRouter(
    prefix="/api/v1/videos",
    tags=["videos"],
    dependencies=[Depends(require_caller), Depends(known_video)],
    responses=errors(503),
)


@router.get("")
async def list_videos(
    page: ListPaging,
    videos: Videos,
    status: VideoStatus | None = None,
    path_contains: Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]+$")] = None,
    sort: VideoSort = VideoSort.DISCOVERED_AT,
    order: Order = "desc",
) -> VideoPage:
    """Videos by status and a case-insensitive substring of their path, sorted and paginated."""
    query = VideoFilter(
        status=status,
        path_contains=path_contains,
        sort=sort,
        descending=order == "desc",
        limit=page.limit,
        offset=page.offset,
    )
    return VideoPage.of(await videos.list_videos(query))


@router.post(
    "",
    status_code=201,
    dependencies=[rate_limit("upload")],
    responses={
        200: {
            "description": "the library already has this content: that video, nothing stored",
            "headers": {"Location": {"description": "the video's URL", "schema": {"type": "string"}}},
        },
        201: {"headers": {"Location": {"description": "the new video's URL", "schema": {"type": "string"}}}},
        **errors(408, 413, 415, 429),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_video(
    request: Request,
    response: Response,
    filename: Annotated[str, Query(min_length=1, max_length=255, description="name to store it under")],
    uploader: Uploader,
    container: ContainerDep,
    correlation_id: CorrelationId,
    caller: Caller,
) -> UploadOut:
    """Upload one video as the raw request body. It is streamed to disk under the size limit
    (413 past it), must have a plain name (422: no control, bidi or zero-width characters) with a
    video extension (415) and probe as a video (422), and is then moved into the upload folder
    atomically and discovered: new content's six tasks are queued at once (201). Content the
    library already has (a file of it is there) is not stored again: 200 with that video. An upload
    that sends no byte for UPLOAD_IDLE_TIMEOUT_S is dropped (408, nothing kept), and each token
    runs at most UPLOAD_CONCURRENCY at once (429)."""
    declared = request.headers.get("content-length")
    settings = container.settings
    async with container.upload_slots.hold(caller):
        uploaded = await uploader.execute(
            filename,
            idle_limited(request.stream(), settings.upload_idle_timeout_s),
            max_bytes=settings.upload_max_bytes,
            correlation_id=correlation_id,
            declared_bytes=ascii_int(declared) if declared is not None else None,
        )
    response.headers["Location"] = f"/api/v1/videos/{uploaded.video_id}"
    if uploaded.existing:
        response.status_code = 200  # nothing was created: the answer is the video the library has
    return UploadOut.of(uploaded)


@router.get("/{video_id}", responses=errors(404))
async def get_video(video_id: UUID, videos: Videos) -> VideoOut:
    page = await videos.list_videos(VideoFilter(video_id=VideoId(video_id), limit=1))
    if not page.items:
        raise VideoNotFound(video_id)
    return VideoOut.of(page.items[0])


@router.delete("/{video_id}", status_code=204, responses=errors(404))
async def forget_video(video_id: UUID, forgetter: Forgetter) -> Response:
    """Forget a video and everything found in it: its locations, tasks, runs, artifacts and moments.
    Its files are never touched: one still under a media root is discovered again, as a new
    video, by the next scan. Jobs still queued for its tasks are skipped."""
    await forgetter.execute(VideoId(video_id))
    return Response(status_code=204)


@router.get("/{video_id}/tasks", responses=errors(404))
async def list_video_tasks(video_id: UUID, tasks: Tasks) -> TaskPage:
    """The video's tasks (six per config), oldest first."""
    return TaskPage.of(await tasks.list_tasks(TaskFilter(video_ids=(VideoId(video_id),), descending=False, limit=100)))


@router.get("/{video_id}/artifacts", responses=errors(404))
async def list_video_artifacts(
    page: ArtifactPaging,
    video_id: UUID,
    artifacts: Artifacts,
    artifact_type: ArtifactType | None = None,
    start_ms: TimeMs = None,
    end_ms: TimeMs = None,
) -> ArtifactPage:
    """A video's artifacts in time order, optionally of one type and within [start_ms, end_ms)."""
    query = ArtifactFilter(
        video_id=VideoId(video_id),
        artifact_type=artifact_type,
        start_ms=start_ms,
        end_ms=end_ms,
        limit=page.limit,
        offset=page.offset,
    )
    return ArtifactPage.of(await artifacts.list_artifacts(query))
