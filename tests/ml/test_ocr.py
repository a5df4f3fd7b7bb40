"""On-screen text with EasyOCR on real weights: each shot's word, read inside that shot."""

from pathlib import Path

import pytest

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import OCRDetectionV1
from framewise_dev.media import SampleVideo
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.ocr import OcrModel

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def ocr(model_cache: Path) -> OcrModel:
    model = OcrModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


def shot_of(video: SampleVideo, timestamp_ms: int) -> int:
    return sum(timestamp_ms >= cut for cut in video.cut_ms())


def read(ocr: OcrModel, video: SampleVideo, **config: object) -> list[OCRDetectionV1]:
    request = InferenceRequest(video_path=str(video.path), config={"interval_ms": 1000, **config})
    return [OCRDetectionV1.model_validate(item) for item in ocr.predict(request, video.path).items]


def test_each_shot_text_is_read_inside_that_shot(ocr: OcrModel, analysis_video: SampleVideo) -> None:
    items = read(ocr, analysis_video)
    with_text = [
        t
        for t in range(0, analysis_video.duration_ms, 1000)
        if analysis_video.segments[shot_of(analysis_video, t)].text
    ]
    assert [i.timestamp_ms for i in items] == with_text  # the palace photograph has none: nothing invented
    for item in items:
        assert item.text == analysis_video.segments[shot_of(analysis_video, item.timestamp_ms)].text
        assert item.frame_index == round(item.timestamp_ms * analysis_video.fps / 1000)
        xs, ys = [p.x for p in item.polygon], [p.y for p in item.polygon]
        assert 0 <= min(xs) < max(xs) <= analysis_video.width and 0 <= min(ys) < max(ys) < analysis_video.height / 2


def test_unchanged_frames_are_not_read_again_and_nothing_is_lost(
    ocr: OcrModel, analysis_video: SampleVideo, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = ocr._reader(("en",))
    calls = []
    original = reader.readtext
    monkeypatch.setattr(reader, "readtext", lambda image, **kw: calls.append(1) or original(image, **kw))
    skipping = read(ocr, analysis_video, interval_ms=500)
    reads_when_skipping = len(calls)
    calls.clear()
    every_frame = read(ocr, analysis_video, interval_ms=500, change_threshold=0)
    shots = len(analysis_video.segments)
    assert len(calls) == 4 * shots and reads_when_skipping == shots  # one read per shot
    assert [(i.timestamp_ms, i.text) for i in skipping] == [(i.timestamp_ms, i.text) for i in every_frame]


def test_unknown_language_is_refused(ocr: OcrModel, analysis_video: SampleVideo) -> None:
    with pytest.raises(ValueError, match="languages"):
        read(ocr, analysis_video, languages=["tlh"])


def test_missing_weights_fail_the_model_naming_the_file(tmp_path: Path) -> None:
    model = OcrModel(ModelContext(tmp_path))
    model.load()
    assert model.status.state is ModelState.FAILED and "craft_mlt_25k.pth" in (model.status.reason or "")
