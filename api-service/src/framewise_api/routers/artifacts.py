from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from framewise.application.results import ArtifactFilter
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.payloads import ArtifactType
from framewise_api.dependencies import ArtifactPaging, Artifacts
from framewise_api.problems import errors
from framewise_api.schemas.artifacts import ArtifactPage
from framewise_api.security import require_caller

TimeMs = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="milliseconds from the start")]

router = APIRouter(
    prefix="/api/v1/artifacts", tags=["artifacts"], dependencies=[Depends(require_caller)], responses=errors(503)
)


@router.get("")
async def list_artifacts(
    page: ArtifactPaging,
    artifacts: Artifacts,
    video_id: UUID | None = None,
    task_id: UUID | None = None,
    artifact_type: ArtifactType | None = None,
    run_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
    start_ms: TimeMs = None,
    end_ms: TimeMs = None,
) -> ArtifactPage:
    """Artifacts across the library by video, task, type, inference run and time range, paginated."""
    query = ArtifactFilter(
        video_id=VideoId(video_id) if video_id else None,
        task_id=TaskId(task_id) if task_id else None,
        artifact_type=artifact_type,
        run_id=run_id,
        start_ms=start_ms,
        end_ms=end_ms,
        limit=page.limit,
        offset=page.offset,
    )
    return ArtifactPage.of(await artifacts.list_artifacts(query))
