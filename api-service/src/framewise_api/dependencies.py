"""Use cases, the query ports that reads call directly, and request facts as FastAPI dependencies."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast
from uuid import UUID

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from pydantic import BaseModel

from framewise.application.ports import (
    ArtifactQueries,
    MlStatusReader,
    MomentSearch,
    PersonQueries,
    RegroupQueue,
    SpeakerQueries,
    TaskQueries,
    VideoQueries,
)
from framewise.application.use_cases.cue_lister import CueLister
from framewise.application.use_cases.moment_jumper import MomentJumper
from framewise.application.use_cases.person_face_refuser import PersonFaceRefuser
from framewise.application.use_cases.person_forgetter import PersonForgetter
from framewise.application.use_cases.person_merger import PersonMerger
from framewise.application.use_cases.person_regroup_requester import PersonRegroupRequester
from framewise.application.use_cases.person_renamer import PersonRenamer
from framewise.application.use_cases.speaker_merger import SpeakerMerger
from framewise.application.use_cases.speaker_person_accepter import SpeakerPersonAccepter
from framewise.application.use_cases.speaker_renamer import SpeakerRenamer
from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.application.use_cases.thumbnail_maker import ThumbnailMaker
from framewise.application.use_cases.video_file_locator import VideoFileLocator
from framewise.application.use_cases.video_forgetter import VideoForgetter
from framewise.application.use_cases.video_uploader import VideoUploader
from framewise.domain.ids import VideoId
from framewise.infrastructure.logging import new_correlation_id
from framewise_api.container import ApiContainer
from framewise_api.security import Caller


def get_container(request: Request) -> ApiContainer:
    return cast(ApiContainer, request.app.state.container)


def get_correlation_id(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", None) or new_correlation_id())


def declared_query(dependant: Dependant) -> frozenset[str]:
    """The query parameters an operation declares: its own and those of every dependency it uses
    (a query parameter model counts with its fields)."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(f.alias or name for name, f in model.model_fields.items())
            else:
                names.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names)


async def reject_unknown_query(request: Request) -> None:
    """An app-wide dependency: a query parameter the operation does not declare is a 422 naming it,
    so a mistyped or guessed filter is never silently ignored (it would answer everything). The
    names are compared with the route's declaration, so every route gets this without doing
    anything; repeated parameters (`near=a&near=b`) are one name."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    if not request.query_params:
        return
    known = declared_query(route.dependant)  # a walk over a few dozen fields: cheaper than a cache's upkeep
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter (this operation takes: {takes})",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(default: int = 50, maximum: int = 500, *, max_offset: int = 10_000_000) -> Any:
    """The pagination every listing shares: `limit` (1..maximum, `default`) and `offset`."""

    def dependency(
        limit: Annotated[int, Query(ge=1, le=maximum, description="items per page")] = default,
        offset: Annotated[int, Query(ge=0, le=max_offset, description="items to skip")] = 0,
    ) -> Paging:
        return Paging(limit, offset)

    return Depends(dependency)


Order = Annotated[Literal["asc", "desc"], Query(description="sort direction")]
ListPaging = Annotated[Paging, paging(50, 500)]  # tasks, videos
ArtifactPaging = Annotated[Paging, paging(100, 1000)]
SearchPaging = Annotated[Paging, paging(20, 100, max_offset=10_000)]


ContainerDep = Annotated[ApiContainer, Depends(get_container)]
CorrelationId = Annotated[str, Depends(get_correlation_id)]

Limited = Literal["enqueue", "retry", "upload", "discover"]


def rate_limit(action: Limited) -> DependsParam:
    """A route dependency that counts the call against the caller's limit for `action` (429 past it)."""

    async def check(caller: Caller, container: ContainerDep) -> None:
        limit = getattr(container.settings, f"rate_limit_{action}")
        await container.rate_limiter.hit(action, caller, limit)

    return cast(DependsParam, Depends(check))


def video_uploader(c: ContainerDep) -> VideoUploader:
    return c.video_uploader()


def video_queries(c: ContainerDep) -> VideoQueries:
    return c.video_queries()


def video_forgetter(c: ContainerDep) -> VideoForgetter:
    return c.video_forgetter()


async def known_video(request: Request, container: ContainerDep) -> None:
    """A router dependency for the routes under `/videos/{video_id}/...`: an unknown video is a 404
    for all of them (its tasks, artifacts, media, actions), never an empty answer. It reads the path
    parameter rather than declaring it, so the router's routes without one are unaffected; a
    malformed id is left to the route's own validation (422)."""
    raw = request.path_params.get("video_id")
    if raw is None:
        return
    try:
        video_id = VideoId(UUID(str(raw)))
    except ValueError:
        return
    await container.video_finder().execute(video_id)


def task_enqueuer(c: ContainerDep) -> TaskEnqueuer:
    return c.task_enqueuer()


def task_canceller(c: ContainerDep) -> TaskCanceller:
    return c.task_canceller()


def task_retrier(c: ContainerDep) -> TaskRetrier:
    return c.task_retrier()


def task_queries(c: ContainerDep) -> TaskQueries:
    return c.task_queries()


def artifact_queries(c: ContainerDep) -> ArtifactQueries:
    return c.artifact_queries()


Uploader = Annotated[VideoUploader, Depends(video_uploader)]
Videos = Annotated[VideoQueries, Depends(video_queries)]
Forgetter = Annotated[VideoForgetter, Depends(video_forgetter)]
Enqueuer = Annotated[TaskEnqueuer, Depends(task_enqueuer)]
Canceller = Annotated[TaskCanceller, Depends(task_canceller)]
Retrier = Annotated[TaskRetrier, Depends(task_retrier)]
Tasks = Annotated[TaskQueries, Depends(task_queries)]
Artifacts = Annotated[ArtifactQueries, Depends(artifact_queries)]


def moment_search(c: ContainerDep) -> MomentSearch:
    return c.moment_search()


def moment_jumper(c: ContainerDep) -> MomentJumper:
    return c.moment_jumper()


def ml_status(c: ContainerDep) -> MlStatusReader:
    return c.ml_status


def video_file_locator(c: ContainerDep) -> VideoFileLocator:
    return c.video_file_locator()


def thumbnail_maker(c: ContainerDep) -> ThumbnailMaker:
    return c.thumbnail_maker()


def cue_lister(c: ContainerDep) -> CueLister:
    return c.cue_lister()


Moments = Annotated[MomentSearch, Depends(moment_search)]
Jumper = Annotated[MomentJumper, Depends(moment_jumper)]
FileLocator = Annotated[VideoFileLocator, Depends(video_file_locator)]
Thumbnails = Annotated[ThumbnailMaker, Depends(thumbnail_maker)]
Cues = Annotated[CueLister, Depends(cue_lister)]
MlStatus = Annotated[MlStatusReader, Depends(ml_status)]


def person_queries(c: ContainerDep) -> PersonQueries:
    return c.person_queries()


def person_renamer(c: ContainerDep) -> PersonRenamer:
    return c.person_renamer()


def person_forgetter(c: ContainerDep) -> PersonForgetter:
    return c.person_forgetter()


def person_merger(c: ContainerDep) -> PersonMerger:
    return c.person_merger()


def person_face_refuser(c: ContainerDep) -> PersonFaceRefuser:
    return c.person_face_refuser()


def person_regroup_requester(c: ContainerDep) -> PersonRegroupRequester:
    return c.person_regroup_requester()


def regroup_queue(c: ContainerDep) -> RegroupQueue:
    return c.regroup_queue()


Persons = Annotated[PersonQueries, Depends(person_queries)]
PersonRenamerDep = Annotated[PersonRenamer, Depends(person_renamer)]
PersonForgetterDep = Annotated[PersonForgetter, Depends(person_forgetter)]
PersonMergerDep = Annotated[PersonMerger, Depends(person_merger)]
PersonFaceRefuserDep = Annotated[PersonFaceRefuser, Depends(person_face_refuser)]
PersonRegroupRequesterDep = Annotated[PersonRegroupRequester, Depends(person_regroup_requester)]
Regroups = Annotated[RegroupQueue, Depends(regroup_queue)]


def speaker_queries(c: ContainerDep) -> SpeakerQueries:
    return c.speaker_queries()


def speaker_renamer(c: ContainerDep) -> SpeakerRenamer:
    return c.speaker_renamer()


def speaker_merger(c: ContainerDep) -> SpeakerMerger:
    return c.speaker_merger()


def speaker_person_accepter(c: ContainerDep) -> SpeakerPersonAccepter:
    return c.speaker_person_accepter()


Speakers = Annotated[SpeakerQueries, Depends(speaker_queries)]
SpeakerRenamerDep = Annotated[SpeakerRenamer, Depends(speaker_renamer)]
SpeakerMergerDep = Annotated[SpeakerMerger, Depends(speaker_merger)]
SpeakerPersonAccepterDep = Annotated[SpeakerPersonAccepter, Depends(speaker_person_accepter)]
