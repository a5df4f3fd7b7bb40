"""Re-index: run again exactly what changed (new weights, a new version, other settings), keeping
the old results readable until the new ones replace them; and the runs a task has had."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from framewise.application.results import TaskSelection
from framewise.application.use_cases.run_lister import RunLister
from framewise.application.use_cases.task_reindexer import Reindex, TaskReindexer
from framewise.domain.analysis_settings import parse_analyses
from framewise.domain.ids import TaskId, VideoId
from framewise_api.dependencies import ContainerDep, CorrelationId, known_video, rate_limit
from framewise_api.problems import errors
from framewise_api.schemas.reindex import ReindexIn, ReindexOut, RunOut, RunsOut, VideoReindexIn
from framewise_api.security import require_caller

router = APIRouter(tags=["reindex"], dependencies=[Depends(require_caller)], responses=errors(503))


def _reindexer(c: ContainerDep) -> TaskReindexer:
    return c.task_reindexer()


def _runs(c: ContainerDep) -> RunLister:
    return c.run_lister()


Reindexer = Annotated[TaskReindexer, Depends(_reindexer)]
REINDEX_ERRORS = errors(422, 429, 503)  # 422: settings a model refuses, named; 503: the ML service cannot check


def _reindex(body: VideoReindexIn, selection: TaskSelection, correlation_id: str, folder: str | None = None) -> Reindex:
    return Reindex(
        selection=selection,
        folder=folder,
        only_stale=body.only_stale,
        overrides=parse_analyses(body.settings),
        dry_run=body.dry_run,
        correlation_id=correlation_id,
    )


@router.post("/api/v1/reindex", dependencies=[rate_limit("retry")], responses={**REINDEX_ERRORS, **errors(403, 404)})
async def reindex(body: ReindexIn, reindexer: Reindexer, correlation_id: CorrelationId) -> ReindexOut:
    """Re-run the stale tasks (or, with `only_stale: false`, all finished, failed and cancelled ones)
    of the library, a root or folder, a video, for some analyses. Each one's finished run stays
    readable and searchable until its new run completes and replaces it at once. `only_stale: false`
    with no filter at all is a 422 unless the body says `"all": true`."""
    video_id = VideoId(body.video_id) if body.video_id else None
    selection = TaskSelection(task_types=frozenset(body.task_types), video_id=video_id, everything=body.all)
    return ReindexOut.of(await reindexer.execute(_reindex(body, selection, correlation_id, body.folder)))


@router.post(
    "/api/v1/videos/{video_id}/reindex",
    dependencies=[Depends(known_video), rate_limit("retry")],
    responses={**REINDEX_ERRORS, **errors(404)},
)
async def reindex_video(
    video_id: UUID, body: VideoReindexIn, reindexer: Reindexer, correlation_id: CorrelationId
) -> ReindexOut:
    """Re-run this video's stale analyses (or all of them, with `only_stale: false`)."""
    selection = TaskSelection(task_types=frozenset(body.task_types), video_id=VideoId(video_id))
    return ReindexOut.of(await reindexer.execute(_reindex(body, selection, correlation_id)))


@router.get("/api/v1/tasks/{task_id}/runs", responses=errors(404))
async def list_runs(task_id: UUID, runs: Annotated[RunLister, Depends(_runs)]) -> RunsOut:
    """The task's runs, newest first: the one readers see, a re-index being built, and the ones it
    superseded (what they ran on and when; their artifacts are gone)."""
    return RunsOut(items=[RunOut.of(run) for run in await runs.execute(TaskId(task_id))])
