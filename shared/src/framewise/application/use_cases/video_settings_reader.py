from dataclasses import dataclass

from framewise.application.ports import UnitOfWork
from framewise.application.results import TaskSelection
from framewise.domain.analysis_settings import EffectiveConfig, SettingsLayer, effective_config, layers_for
from framewise.domain.ids import VideoId
from framewise.domain.provenance import Config, config_hash
from framewise.domain.routing import TaskType


@dataclass(frozen=True)
class AnalysisSettings:
    effective: EffectiveConfig  # what a re-index would run it with, and which layer set each key
    task_config: Config | None  # what its task last ran (or will run) with; None before it has one

    @property
    def changed(self) -> bool:
        """The settings say otherwise than the task's config: a re-index would run it again."""
        return self.task_config is not None and config_hash(self.task_config) != config_hash(self.effective.config)


@dataclass(frozen=True)
class VideoSettings:
    layers: list[SettingsLayer]  # those that apply to it, weakest first
    analyses: dict[TaskType, AnalysisSettings]


class VideoSettingsReader:
    """The settings each analysis of one video runs with, layer by layer; `VideoNotFound`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, video_id: VideoId) -> VideoSettings:
        async with self._uow:
            video = await self._uow.videos.get(video_id)
            layers = layers_for(await self._uow.settings.all(), video.root, video.path, video.id)
            tasks = {s.task.task_type: s.task for s in await self._uow.tasks.select(TaskSelection(video_id=video_id))}
        analyses = {}
        for task_type in TaskType:
            task = tasks.get(task_type)
            effective = effective_config(task_type, layers, task.overrides if task else {})
            analyses[task_type] = AnalysisSettings(effective, task.config if task else None)
        return VideoSettings(layers, analyses)
