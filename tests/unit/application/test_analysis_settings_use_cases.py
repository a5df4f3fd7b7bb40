"""Saving, removing and reading layers of analysis settings through the real use cases and in-memory
ports: every analysis's keys are checked before anything is stored, a folder layer is keyed by its
root and folder, and a video's reading says which layer set each key and whether its task differs."""

from datetime import UTC, datetime

import pytest

from framewise.application.use_cases.analysis_settings_remover import AnalysisSettingsRemover
from framewise.application.use_cases.analysis_settings_saver import AnalysisSettingsSaver, SaveSettings
from framewise.application.use_cases.video_settings_reader import VideoSettingsReader
from framewise.contracts.ml import ModelIdentity
from framewise.domain.analysis_settings import REQUEST, Scope
from framewise.domain.errors import InvalidSettings, NotFound, PathOutsideRoots, VideoNotFound
from framewise.domain.ids import new_video_id
from framewise.domain.provenance import Config, config_hash
from framewise.domain.routing import TaskType
from framewise.domain.task import Task
from framewise.domain.video import FileStat, Video
from tests.fakes import EIGHT_SECONDS, FakeMediaLibrary, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)
OCR, SPEECH = TaskType.OCR, TaskType.TRANSCRIPTION


class FakeModelChecker:
    """Refuses the key `refused`, as a model that does not know it would; records what it checked."""

    def __init__(self, refused: str = "unknown") -> None:
        self.refused, self.checked = refused, []  # type: ignore[var-annotated]

    async def check_config(self, task_type: TaskType, config: Config) -> ModelIdentity:
        self.checked.append((task_type, dict(config)))
        if self.refused in config:
            raise InvalidSettings(f"analyses.{task_type}.{self.refused}", "the model has no such setting")
        return ModelIdentity(
            producer="p",
            producer_version="1",
            model_profile="m",
            config_hash=config_hash(config),
            device="cpu",
            weights="w",
        )


def setup() -> tuple[FakeUnitOfWork, FakeMediaLibrary, Video]:
    uow, media = FakeUnitOfWork(), FakeMediaLibrary()
    media.put("/m", "talks/a.mp4")
    video = Video.register(FileStat("/m", "talks/a.mp4", 100, 1.0), "h", EIGHT_SECONDS, None, NOW)
    uow.committed.videos[video.id] = video
    return uow, media, video


async def test_a_layer_is_checked_analysis_by_analysis_then_stored_with_its_time() -> None:
    uow, media, _ = setup()
    checker = FakeModelChecker()
    saver = AnalysisSettingsSaver(uow, media, checker, FixedClock(NOW))

    layer = await saver.execute(
        SaveSettings(Scope.FOLDER, {"ocr": {"language": "fr", "beam": None}}, folder="/m/talks")
    )

    assert checker.checked == [(OCR, {"language": "fr"})]  # a null goes back to the default: nothing to check
    assert (layer.key, layer.root, layer.folder, layer.video_id, layer.updated_at) == (
        "folder:/m:talks",
        "/m",
        "talks",
        None,
        NOW,
    )
    assert uow.committed.settings == {"folder:/m:talks": layer}
    assert layer.analyses == {OCR: {"language": "fr", "beam": None}}


async def test_a_refused_key_or_an_unknown_video_stores_nothing() -> None:
    uow, media, video = setup()
    saver = AnalysisSettingsSaver(uow, media, FakeModelChecker(), FixedClock(NOW))
    with pytest.raises(InvalidSettings, match=r"analyses\.ocr\.unknown"):
        await saver.execute(SaveSettings(Scope.LIBRARY, {"transcription": {}, "ocr": {"unknown": 1}}))
    with pytest.raises(VideoNotFound):
        await saver.execute(SaveSettings(Scope.VIDEO, {"ocr": {}}, video_id=new_video_id()))
    with pytest.raises(PathOutsideRoots):
        await saver.execute(SaveSettings(Scope.FOLDER, {"ocr": {}}, folder="/elsewhere"))
    assert uow.committed.settings == {}
    saved = await saver.execute(SaveSettings(Scope.VIDEO, {"ocr": {}}, folder="/m/talks", video_id=video.id))
    assert (saved.key, saved.root, saved.folder) == (f"video:{video.id}", None, None)
    library = await saver.execute(SaveSettings(Scope.LIBRARY, {"ocr": {}}, video_id=video.id))
    assert (library.key, library.video_id) == ("library", None)  # a video id means nothing to the library's layer


async def test_removing_a_layer_removes_that_one_and_a_missing_one_is_not_found() -> None:
    uow, media, video = setup()
    saver = AnalysisSettingsSaver(uow, media, FakeModelChecker(), FixedClock(NOW))
    await saver.execute(SaveSettings(Scope.FOLDER, {"ocr": {}}, folder="/m/talks"))
    await saver.execute(SaveSettings(Scope.VIDEO, {"ocr": {}}, video_id=video.id))
    remover = AnalysisSettingsRemover(uow, media)

    await remover.execute(Scope.FOLDER, folder="/m/talks")

    assert list(uow.committed.settings) == [f"video:{video.id}"]
    with pytest.raises(NotFound, match="settings folder:/m:talks not found"):
        await remover.execute(Scope.FOLDER, folder="/m/talks")
    await remover.execute(Scope.VIDEO, video_id=video.id)
    assert uow.committed.settings == {}


async def test_a_videos_settings_say_where_each_key_comes_from_and_whether_its_task_would_change() -> None:
    uow, media, video = setup()
    saver = AnalysisSettingsSaver(uow, media, FakeModelChecker(), FixedClock(NOW))
    await saver.execute(SaveSettings(Scope.LIBRARY, {"ocr": {"language": "en"}, "transcription": {"model": "base"}}))
    await saver.execute(SaveSettings(Scope.FOLDER, {"ocr": {"language": "fr"}}, folder="/m/talks"))
    await saver.execute(SaveSettings(Scope.FOLDER, {"ocr": {"language": "de"}}, folder="/m/other"))
    await saver.execute(SaveSettings(Scope.VIDEO, {"face_detection": {"min_size": 40}}, video_id=video.id))
    elsewhere = Task.create(
        video_id=new_video_id(), task_type=OCR, config={"language": "xx"}, now=NOW, correlation_id="c"
    )
    uow.tasks.seed(elsewhere)  # another video's task of the same analysis
    ocr = Task.create(video_id=video.id, task_type=OCR, config={"language": "fr"}, now=NOW, correlation_id="c")
    speech = Task.create(video_id=video.id, task_type=SPEECH, config={"model": "base"}, now=NOW, correlation_id="c")
    speech.overrides = {"beam": 5}
    uow.tasks.seed(ocr)
    uow.tasks.seed(speech)

    read = await VideoSettingsReader(uow).execute(video.id)

    assert [layer.key for layer in read.layers] == ["library", "folder:/m:talks", f"video:{video.id}"]
    assert set(read.analyses) == set(TaskType)
    assert read.analyses[OCR].effective.sources == {"language": "folder:/m:talks"}
    assert (read.analyses[OCR].task_config, read.analyses[OCR].changed) == ({"language": "fr"}, False)
    speech_settings = read.analyses[SPEECH]
    assert speech_settings.effective.config == {"beam": 5, "model": "base"}
    assert speech_settings.effective.sources == {"beam": REQUEST, "model": "library"}
    assert speech_settings.changed  # the task ran without the beam its request set since
    faces = read.analyses[TaskType.FACE_DETECTION]
    assert (faces.task_config, faces.changed) == (None, False)  # no task yet: nothing to change
    assert faces.effective.sources == {"min_size": f"video:{video.id}"}
    with pytest.raises(VideoNotFound):
        await VideoSettingsReader(uow).execute(new_video_id())
