from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from framewise.application.results import TaskFilter, TaskSelection, TaskSort
from framewise.application.use_cases.task_bulk_canceller import TaskBulkCanceller
from framewise.application.use_cases.task_bulk_retrier import TaskBulkRetrier
from framewise.domain.errors import TaskNotFound
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.routing import TaskType
from framewise.domain.task import TaskStatus
from framewise_api.dependencies import (
    Canceller,
    ContainerDep,
    CorrelationId,
    Enqueuer,
    ListPaging,
    Order,
    Retrier,
    Tasks,
    rate_limit,
)
from framewise_api.problems import errors
from framewise_api.schemas.reindex import BulkIn, BulkOut
from framewise_api.schemas.tasks import EnqueueOut, TaskOut, TaskPage
from framewise_api.security import require_caller

MAX_VIDEO_IDS = 100  # the most videos one listing of tasks filters by

router = APIRouter(
    prefix="/api/v1/tasks", tags=["tasks"], dependencies=[Depends(require_caller)], responses=errors(503)
)


@router.get("")
async def list_tasks(
    page: ListPaging,
    tasks: Tasks,
    status: TaskStatus | None = None,
    task_type: TaskType | None = None,
    video_id: Annotated[
        list[UUID] | None, Query(max_length=MAX_VIDEO_IDS, description="one video, or several (repeat the key)")
    ] = None,
    sort: TaskSort = TaskSort.CREATED_AT,
    order: Order = "desc",
) -> TaskPage:
    """Tasks filtered by status, type and video (one or several, as a library page asks for the
    chips of all its videos at once); sorted by creation, start or running time."""
    query = TaskFilter(
        status=status,
        task_type=task_type,
        video_ids=tuple(VideoId(v) for v in video_id or ()),
        sort=sort,
        descending=order == "desc",
        limit=page.limit,
        offset=page.offset,
    )
    return TaskPage.of(await tasks.list_tasks(query))


@router.get("/{task_id}", responses=errors(404))
async def get_task(task_id: UUID, tasks: Tasks) -> TaskOut:
    page = await tasks.list_tasks(TaskFilter(task_id=TaskId(task_id), limit=1))
    if not page.items:
        raise TaskNotFound(task_id)
    return TaskOut.of(page.items[0])


@router.post(
    "/{task_id}/enqueue", status_code=202, dependencies=[rate_limit("enqueue")], responses=errors(404, 409, 429)
)
async def enqueue_task(task_id: UUID, enqueuer: Enqueuer, correlation_id: CorrelationId) -> EnqueueOut:
    """Put a PENDING task on its queue; enqueueing an already queued attempt creates no second job.
    Any other status: 409."""
    return EnqueueOut.of(await enqueuer.execute(TaskId(task_id), correlation_id))


@router.post("/{task_id}/cancel", responses=errors(404, 409))
async def cancel_task(task_id: UUID, canceller: Canceller) -> TaskOut:
    """Cancel a PENDING or RUNNING task: it ends CANCELLED, a queued job never runs and a running one
    is aborted. Any other status: 409."""
    return TaskOut.of(await canceller.execute(TaskId(task_id)))


@router.post("/{task_id}/retry", status_code=202, dependencies=[rate_limit("retry")], responses=errors(404, 409, 429))
async def retry_task(task_id: UUID, retrier: Retrier, correlation_id: CorrelationId) -> EnqueueOut:
    """Send a FAILED or CANCELLED task back to PENDING as a new attempt, queued at once. Any other
    status: 409."""
    return EnqueueOut.of(await retrier.execute(TaskId(task_id), correlation_id))


def _bulk_retrier(c: ContainerDep) -> TaskBulkRetrier:
    return c.task_bulk_retrier()


def _bulk_canceller(c: ContainerDep) -> TaskBulkCanceller:
    return c.task_bulk_canceller()


def _selection(body: BulkIn) -> TaskSelection:
    return TaskSelection(
        statuses=frozenset(body.status),
        task_types=frozenset(body.task_type),
        video_id=VideoId(body.video_id) if body.video_id else None,
        everything=body.all,
    )


@router.post("/retry", dependencies=[rate_limit("retry")], responses=errors(422, 429))
async def retry_tasks(
    body: BulkIn, retrier: Annotated[TaskBulkRetrier, Depends(_bulk_retrier)], correlation_id: CorrelationId
) -> BulkOut:
    """Retry every FAILED or CANCELLED task the filters select (status, analysis, video), each as a
    new attempt queued at once; the others selected are counted in `left` and not touched. No
    filter at all is a 422 unless the body says `"all": true`."""
    return BulkOut.of(await retrier.execute(_selection(body), correlation_id))


@router.post("/cancel", responses=errors(422))
async def cancel_tasks(body: BulkIn, canceller: Annotated[TaskBulkCanceller, Depends(_bulk_canceller)]) -> BulkOut:
    """Cancel every PENDING or RUNNING task the filters select; the others are counted in `left`. No
    filter at all is a 422 unless the body says `"all": true`."""
    return BulkOut.of(await canceller.execute(_selection(body)))
