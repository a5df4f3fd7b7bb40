"""Settings in layers: the strongest layer that sets a key wins, null goes back to the default,
a folder's layer reaches only the videos under it, and bad layers are named."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from framewise.domain.analysis_settings import (
    REQUEST,
    Scope,
    SettingsLayer,
    effective_config,
    layers_for,
    parse_analyses,
)
from framewise.domain.errors import IllegalTransition, InvalidSettings
from framewise.domain.ids import VideoId
from framewise.domain.provenance import config_hash
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, TaskStatus

T = TaskType.TRANSCRIPTION
VIDEO = VideoId(uuid4())


def layer(scope: Scope, keys: dict[str, object], folder: str | None = None, root: str = "/m") -> SettingsLayer:
    return SettingsLayer(
        scope,
        {T: dict(keys)},  # type: ignore[dict-item]
        root=root if scope is Scope.FOLDER else None,
        folder=folder if scope is Scope.FOLDER else None,
        video_id=VIDEO if scope is Scope.VIDEO else None,
    )


def test_the_strongest_layer_wins_whatever_order_they_are_stored_in() -> None:
    stored = [
        layer(Scope.VIDEO, {"word_timestamps": False}),
        layer(Scope.FOLDER, {"profile": None}, "a/b"),
        layer(Scope.FOLDER, {"language": "fr", "profile": "balanced"}, "a"),
        layer(Scope.FOLDER, {"profile": "accurate"}, ""),
        layer(Scope.LIBRARY, {"language": "de", "profile": "fast"}),
    ]
    applying = layers_for(stored, "/m", "a/b/talk.mp4", VIDEO)
    assert [x.key for x in applying] == ["library", "folder:/m:", "folder:/m:a", "folder:/m:a/b", f"video:{VIDEO}"]
    effective = effective_config(T, applying, {"language": "auto"})
    assert effective.config == {"language": "auto", "word_timestamps": False}
    assert effective.sources == {"language": REQUEST, "word_timestamps": f"video:{VIDEO}"}


def test_a_folder_reaches_only_what_is_under_it_in_its_own_root() -> None:
    lectures = layer(Scope.FOLDER, {"language": "fr"}, "lectures")
    assert lectures.applies_to("/m", "lectures/x.mp4", None)
    assert lectures.applies_to("/m", "lectures/deep/x.mp4", None)
    assert not lectures.applies_to("/m", "lectures-old/x.mp4", None)  # a sibling that shares the prefix
    assert not lectures.applies_to("/m", "lectures.mp4", None)
    assert not lectures.applies_to("/other", "lectures/x.mp4", None)
    assert layer(Scope.FOLDER, {}, "").applies_to("/m", "x.mp4", None)
    assert not layer(Scope.VIDEO, {}).applies_to("/m", "x.mp4", VideoId(uuid4()))


def test_an_analysis_without_keys_runs_with_the_models_defaults() -> None:
    effective = effective_config(TaskType.OCR, [layer(Scope.LIBRARY, {"language": "fr"})], {})
    assert (effective.config, effective.sources) == ({}, {})
    assert config_hash(effective.config) == config_hash({})


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"subtitles": {}}, "analyses.subtitles"),
        ({"transcription": ["fr"]}, "analyses.transcription"),
        ({"ocr": "en"}, "analyses.ocr"),
    ],
)
def test_a_bad_layer_names_what_is_wrong(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidSettings) as raised:
        parse_analyses(raw)
    assert raised.value.field == field and str(raised.value).startswith(field)


def task(status: TaskStatus) -> Task:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    t = Task.create(video_id=VIDEO, task_type=T, config={}, now=now, correlation_id="c")
    t.enqueue(now)
    t.status = status
    return t


@pytest.mark.parametrize("status", [TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED])
def test_reindex_runs_a_finished_task_again_with_its_new_config(status: TaskStatus) -> None:
    t = task(status)
    t.progress, t.error, t.workers_lost = 1.0, "old", 2
    job = t.reindex({"language": "fr"}, datetime(2026, 1, 2, tzinfo=UTC), "again", overrides={"language": "fr"})
    assert (t.status, t.attempt, t.progress, t.error, t.workers_lost) == (TaskStatus.PENDING, 2, 0.0, None, 0)
    assert (t.config, t.config_hash, t.overrides) == (
        {"language": "fr"},
        config_hash({"language": "fr"}),
        {"language": "fr"},
    )
    assert job.attempt == 2 and job.correlation_id == "again"


@pytest.mark.parametrize("status", [TaskStatus.PENDING, TaskStatus.RUNNING])
def test_reindex_leaves_a_task_that_is_queued_or_running(status: TaskStatus) -> None:
    t = task(status)
    with pytest.raises(IllegalTransition):
        t.reindex({"language": "fr"}, datetime(2026, 1, 2, tzinfo=UTC))
    assert t.config == {} and t.attempt == 1


def test_a_good_layer_is_parsed_into_a_copy_of_each_analysiss_keys() -> None:
    raw = {"transcription": {"language": "fr", "beam": None}, "ocr": {}}
    parsed = parse_analyses(raw)
    assert parsed == {TaskType.TRANSCRIPTION: {"language": "fr", "beam": None}, TaskType.OCR: {}}
    raw["transcription"]["language"] = "de"  # type: ignore[index]
    assert parsed[TaskType.TRANSCRIPTION]["language"] == "fr"


def test_a_bad_layer_says_why_naming_the_analyses_there_are() -> None:
    with pytest.raises(InvalidSettings) as unknown:
        parse_analyses({"subtitles": {}})
    assert unknown.value.reason == f"'subtitles' is not an analysis (analyses: {', '.join(TaskType)})"
    with pytest.raises(InvalidSettings) as not_keys:
        parse_analyses({"ocr": {1: "x"}})
    assert (not_keys.value.field, not_keys.value.reason) == ("analyses.ocr", "must be an object of config keys")


def test_null_for_a_key_no_weaker_layer_set_is_the_default_already() -> None:
    effective = effective_config(T, [layer(Scope.LIBRARY, {"beam": None})], {"language": None})
    assert (effective.config, effective.sources) == ({}, {})
