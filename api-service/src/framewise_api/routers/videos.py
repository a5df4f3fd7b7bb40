from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from framewise.application.results import ArtifactFilter, TaskFilter
from framewise.domain.ids import VideoId
from framewise.domain.payloads import ArtifactType
from framewise_api.dependencies import Artifacts, Lister
from framewise_api.schemas.artifacts import ArtifactPage
from framewise_api.schemas.tasks import TaskPage

router = APIRouter(prefix="/api/v1/videos", tags=["videos"])


@router.get("/{video_id}/tasks")
async def list_video_tasks(video_id: UUID, lister: Lister) -> TaskPage:
    return TaskPage.of(await lister.execute(TaskFilter(video_id=VideoId(video_id), limit=100)))


@router.get("/{video_id}/artifacts")
async def list_video_artifacts(
    video_id: UUID,
    artifacts: Artifacts,
    artifact_type: ArtifactType | None = None,
    start_ms: Annotated[int | None, Query(ge=0)] = None,
    end_ms: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ArtifactPage:
    """A video's artifacts in time order, optionally of one type and within [start_ms, end_ms)."""
    query = ArtifactFilter(
        video_id=VideoId(video_id),
        artifact_type=artifact_type,
        start_ms=start_ms,
        end_ms=end_ms,
        limit=limit,
        offset=offset,
    )
    return ArtifactPage.of(await artifacts.execute(query))
