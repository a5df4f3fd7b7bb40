"""Analysis settings in layers: what config each analysis of a video runs with.

From weakest to strongest: the models' own defaults (an empty config), the library's layer, the
layers of the root and of each folder above the video (shallower first), the video's layer, and the
request's own (a re-index may carry one; the task keeps it). Each layer maps an analysis (its task
type) to config keys; a stronger layer's key wins, and a key set to null there goes back to the
model's default. Which keys and values a model accepts is the ML service's to say.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from pydantic import JsonValue

from framewise.domain.errors import InvalidSettings
from framewise.domain.ids import VideoId
from framewise.domain.provenance import Config
from framewise.domain.routing import TaskType

AnalysesConfig: TypeAlias = dict[TaskType, Config]
REQUEST = "request"  # the source of a key the request (or the task's own overrides) set


class Scope(StrEnum):
    LIBRARY = "library"
    FOLDER = "folder"  # a media root (folder "") or a folder under it
    VIDEO = "video"


@dataclass(frozen=True)
class SettingsLayer:
    scope: Scope
    analyses: AnalysesConfig
    root: str | None = None
    folder: str | None = None  # relative to root, POSIX separators, "" for the whole root
    video_id: VideoId | None = None
    updated_at: datetime | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        if self.scope is Scope.LIBRARY:
            return "library"
        if self.scope is Scope.FOLDER:
            return f"folder:{self.root}:{self.folder}"
        return f"video:{self.video_id}"

    def applies_to(self, root: str, path: str, video_id: VideoId | None) -> bool:
        if self.scope is Scope.LIBRARY:
            return True
        if self.scope is Scope.VIDEO:
            return video_id is not None and self.video_id == video_id
        return self.root == root and (not self.folder or path.startswith(f"{self.folder}/"))

    @property
    def strength(self) -> tuple[int, int]:
        """Weaker layers sort first: the library, then folders from the shallowest, then the video."""
        depth = len(self.folder.split("/")) if self.folder else 0
        return {Scope.LIBRARY: 0, Scope.FOLDER: 1, Scope.VIDEO: 2}[self.scope], depth


def parse_analyses(raw: Mapping[str, object]) -> AnalysesConfig:
    """A layer's analyses from their names: InvalidSettings naming an unknown analysis or a config
    that is not an object of keys."""
    analyses: AnalysesConfig = {}
    known = ", ".join(t.value for t in TaskType)
    for name, config in raw.items():
        try:
            task_type = TaskType(name)
        except ValueError:
            raise InvalidSettings(f"analyses.{name}", f"{name!r} is not an analysis (analyses: {known})") from None
        if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
            raise InvalidSettings(f"analyses.{name}", "must be an object of config keys")
        analyses[task_type] = dict(config)
    return analyses


def layers_for(layers: Iterable[SettingsLayer], root: str, path: str, video_id: VideoId | None) -> list[SettingsLayer]:
    """The layers that apply to the video at (root, path), weakest first."""
    return sorted(
        (layer for layer in layers if layer.applies_to(root, path, video_id)), key=lambda layer: layer.strength
    )


@dataclass(frozen=True)
class EffectiveConfig:
    config: Config
    sources: dict[str, str]  # each key: the layer that set it ("library", "folder:...", "video:...", "request")


def effective_config(task_type: TaskType, layers: Iterable[SettingsLayer], overrides: Config) -> EffectiveConfig:
    """The config `task_type` runs with under `layers` (weakest first) and the request's `overrides`."""
    config: dict[str, JsonValue] = {}
    sources: dict[str, str] = {}
    for source, keys in [*((layer.key, layer.analyses.get(task_type, {})) for layer in layers), (REQUEST, overrides)]:
        for key, value in keys.items():
            if value is None:
                config.pop(key, None)
                sources.pop(key, None)
            else:
                config[key], sources[key] = value, source
    return EffectiveConfig(dict(sorted(config.items())), sources)
