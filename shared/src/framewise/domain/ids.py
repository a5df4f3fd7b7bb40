"""Typed identifiers, so a task id cannot be passed where a video id is expected."""

from typing import NewType
from uuid import UUID, uuid4

VideoId = NewType("VideoId", UUID)
TaskId = NewType("TaskId", UUID)
ArtifactId = NewType("ArtifactId", UUID)


def new_video_id() -> VideoId:
    return VideoId(uuid4())


def new_task_id() -> TaskId:
    return TaskId(uuid4())


def new_artifact_id() -> ArtifactId:
    return ArtifactId(uuid4())
