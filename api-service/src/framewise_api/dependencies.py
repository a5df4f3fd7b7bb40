"""Use cases and request facts as FastAPI dependencies."""

from typing import Annotated, cast

from fastapi import Depends, Request

from framewise.application.use_cases.artifact_lister import ArtifactLister
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_lister import TaskLister
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.infrastructure.logging import new_correlation_id
from framewise_api.container import ApiContainer


def get_container(request: Request) -> ApiContainer:
    return cast(ApiContainer, request.app.state.container)


def get_correlation_id(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", None) or new_correlation_id())


ContainerDep = Annotated[ApiContainer, Depends(get_container)]
CorrelationId = Annotated[str, Depends(get_correlation_id)]


def video_discoverer(c: ContainerDep) -> VideoDiscoverer:
    return c.video_discoverer()


def task_enqueuer(c: ContainerDep) -> TaskEnqueuer:
    return c.task_enqueuer()


def task_lister(c: ContainerDep) -> TaskLister:
    return c.task_lister()


def artifact_lister(c: ContainerDep) -> ArtifactLister:
    return c.artifact_lister()


Discoverer = Annotated[VideoDiscoverer, Depends(video_discoverer)]
Enqueuer = Annotated[TaskEnqueuer, Depends(task_enqueuer)]
Lister = Annotated[TaskLister, Depends(task_lister)]
Artifacts = Annotated[ArtifactLister, Depends(artifact_lister)]
