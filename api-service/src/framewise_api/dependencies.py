"""Use cases and request facts as FastAPI dependencies."""

from typing import Annotated, Literal, cast

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam

from framewise.application.use_cases.artifact_lister import ArtifactLister
from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_lister import TaskLister
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.application.use_cases.video_lister import VideoLister
from framewise.application.use_cases.video_uploader import VideoUploader
from framewise.infrastructure.logging import new_correlation_id
from framewise_api.container import ApiContainer
from framewise_api.security import Caller


def get_container(request: Request) -> ApiContainer:
    return cast(ApiContainer, request.app.state.container)


def get_correlation_id(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", None) or new_correlation_id())


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


def video_lister(c: ContainerDep) -> VideoLister:
    return c.video_lister()


def task_enqueuer(c: ContainerDep) -> TaskEnqueuer:
    return c.task_enqueuer()


def task_canceller(c: ContainerDep) -> TaskCanceller:
    return c.task_canceller()


def task_retrier(c: ContainerDep) -> TaskRetrier:
    return c.task_retrier()


def task_lister(c: ContainerDep) -> TaskLister:
    return c.task_lister()


def artifact_lister(c: ContainerDep) -> ArtifactLister:
    return c.artifact_lister()


Uploader = Annotated[VideoUploader, Depends(video_uploader)]
Videos = Annotated[VideoLister, Depends(video_lister)]
Enqueuer = Annotated[TaskEnqueuer, Depends(task_enqueuer)]
Canceller = Annotated[TaskCanceller, Depends(task_canceller)]
Retrier = Annotated[TaskRetrier, Depends(task_retrier)]
Lister = Annotated[TaskLister, Depends(task_lister)]
Artifacts = Annotated[ArtifactLister, Depends(artifact_lister)]
