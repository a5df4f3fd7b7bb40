from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from framewise.application.use_cases.video_settings_reader import VideoSettings
from framewise.domain.analysis_settings import Scope, SettingsLayer
from framewise.domain.routing import TaskType

ANALYSES = Field(
    description="per analysis (its task type), config keys as the ML service's models read them; "
    "a key set to null goes back to the model's default",
    examples=[{"transcription": {"language": "fr", "profile": "balanced"}, "ocr": {"interval_ms": 2000}}],
)


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    analyses: dict[str, dict[str, JsonValue]] = ANALYSES


class FolderSettingsIn(SettingsIn):
    folder: str = Field(
        min_length=1,
        max_length=4096,
        description="a media root or a folder under one: absolute, or relative to the first root",
        examples=["lectures/french"],
    )


class LayerOut(BaseModel):
    key: str = Field(examples=["folder:/srv/media:lectures/french"])
    scope: Scope
    root: str | None
    folder: str | None
    video_id: UUID | None
    analyses: dict[TaskType, dict[str, JsonValue]]
    updated_at: datetime | None

    @classmethod
    def of(cls, layer: SettingsLayer) -> Self:
        return cls(
            key=layer.key,
            scope=layer.scope,
            root=layer.root,
            folder=layer.folder,
            video_id=layer.video_id,
            analyses=layer.analyses,
            updated_at=layer.updated_at,
        )


class LayersOut(BaseModel):
    items: list[LayerOut]


class AnalysisSettingsOut(BaseModel):
    config: dict[str, JsonValue] = Field(description="what the analysis runs with under today's settings")
    sources: dict[str, str] = Field(
        description="the layer each key came from", examples=[{"language": "folder:/srv/media:lectures/french"}]
    )
    task_config: dict[str, JsonValue] | None = Field(description="what its task last ran (or will run) with")
    changed: bool = Field(description="the settings differ from the task's config: a re-index runs it again")


class VideoSettingsOut(BaseModel):
    video_id: UUID
    layers: list[LayerOut] = Field(description="the layers that apply to this video, weakest first")
    analyses: dict[TaskType, AnalysisSettingsOut]

    @classmethod
    def of(cls, video_id: UUID, settings: VideoSettings) -> Self:
        return cls(
            video_id=video_id,
            layers=[LayerOut.of(layer) for layer in settings.layers],
            analyses={
                task_type: AnalysisSettingsOut(
                    config=a.effective.config,
                    sources=a.effective.sources,
                    task_config=a.task_config,
                    changed=a.changed,
                )
                for task_type, a in settings.analyses.items()
            },
        )
