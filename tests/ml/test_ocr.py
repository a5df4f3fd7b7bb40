"""On-screen text on real weights, with either engine (RapidOCR's PP-OCRv4, EasyOCR): each shot's
words read inside that shot as one line; the engine a request chose is in its provenance."""

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import OCRDetectionV1
from framewise_dev.media import SampleVideo, Segment, make_sample_video, text_font
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.ocr import OcrModel

pytestmark = pytest.mark.ml


ENGINES = ["rapidocr", "easyocr"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def shot_of(video: SampleVideo, timestamp_ms: int) -> int:
    return sum(timestamp_ms >= cut for cut in video.cut_ms())


def read(ocr: OcrModel, video: SampleVideo, **config: object) -> list[OCRDetectionV1]:
    request = InferenceRequest(video_path=str(video.path), config={"interval_ms": 1000, **config})
    return [OCRDetectionV1.model_validate(item) for item in ocr.predict(request, video.path).items]


def test_each_shot_text_is_read_inside_that_shot(ocr: OcrModel, analysis_video: SampleVideo, engine: str) -> None:
    items = read(ocr, analysis_video, engine=engine)
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


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> SampleVideo:
    """Four 2 s slides of one layout and background whose line of text alone changes (each still for
    its 2 s), then a 2 s shot where a square moves under a fixed word."""
    words = ["MONDAY AGENDA", "TUESDAY BUDGET", "FRIDAY REVIEW", "SUNDAY CLOSED"]
    segments = [Segment(2.0, (30, 40, 70), word, moving_square=False) for word in words]
    segments.append(Segment(2.0, (30, 40, 70), "THE END", moving_square=True))
    return make_sample_video(tmp_path_factory.mktemp("slides") / "slides.mp4", segments=segments, width=640, height=360)


def test_unchanged_frames_are_not_read_again_and_nothing_is_lost(
    ocr: OcrModel, slides: SampleVideo, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    reader = ocr.engines[engine]
    calls = []
    original = reader.read
    monkeypatch.setattr(reader, "read", lambda *args: calls.append(1) or original(*args))
    skipping = read(ocr, slides, interval_ms=500, engine=engine)
    reads_when_skipping = len(calls)
    calls.clear()
    every_frame = read(ocr, slides, interval_ms=500, change_threshold=0, engine=engine)
    assert len(calls) == 4 * len(slides.segments)  # every sampled frame read
    # Each still slide read once although only its text changed; the moving square's frames each read.
    assert reads_when_skipping == 4 + 4
    assert [(i.timestamp_ms, i.text) for i in skipping] == [(i.timestamp_ms, i.text) for i in every_frame]
    assert [i.text for i in skipping[::4]] == [s.text for s in slides.segments]  # each slide's own text


def test_unknown_language_is_refused(ocr: OcrModel, analysis_video: SampleVideo) -> None:
    with pytest.raises(ValueError, match="languages"):
        read(ocr, analysis_video, languages=["tlh"])
    with pytest.raises(ValueError, match="easyocr engine does not read them"):  # PP-OCR's Chinese, asked of EasyOCR
        read(ocr, analysis_video, languages=["ch_sim"], engine="easyocr")
    with pytest.raises(ValueError, match="engine"):
        read(ocr, analysis_video, engine="tesseract")


@pytest.mark.parametrize(
    ("engine", "missing"), [("rapidocr", "ch_PP-OCRv4_det_infer.onnx"), ("easyocr", "craft_mlt_25k.pth")]
)
def test_missing_weights_fail_the_model_naming_the_file(tmp_path: Path, engine: str, missing: str) -> None:
    model = OcrModel(ModelContext(tmp_path), engine)
    model.load()
    assert model.status.state is ModelState.FAILED and missing in (model.status.reason or "")


def test_auto_reads_with_rapidocr_on_the_cpu_and_provenance_names_the_engine_a_request_chose(
    ocr: OcrModel, analysis_video: SampleVideo
) -> None:
    assert ocr.producer == "rapidocr" and ocr.selected_by == "OCR_ENGINE=auto: rapidocr on the CPU"
    assert OcrModel(ModelContext(Path("/nonexistent"), "cuda")).producer == "easyocr"  # EasyOCR runs on CUDA
    request = InferenceRequest(video_path=str(analysis_video.path))
    rapid = ocr.provenance(request, analysis_video.path)
    easy = ocr.provenance(request.model_copy(update={"config": {"engine": "easyocr"}}), analysis_video.path)
    assert (rapid.producer, easy.producer) == ("rapidocr", "easyocr")
    assert rapid.producer_version.startswith("rapidocr-onnxruntime-") and easy.producer_version.startswith("easyocr-")
    assert rapid.weights == ocr.weights != easy.weights  # /health names the default engine's weights
    assert rapid.weights.startswith("sha256:") and easy.weights.startswith("sha256:")


def test_words_of_one_line_are_one_text_with_one_box(ocr: OcrModel, tmp_path: Path, engine: str) -> None:
    """A sign with words set apart (NO   ENTRY) and a second line below: two texts, in reading order."""
    sign = make_sample_video(
        tmp_path / f"sign-{engine}.mp4",
        segments=[Segment(1.0, (20, 20, 20), "NO   ENTRY", moving_square=False, painter=second_line)],
        width=640,
        height=360,
    )
    items = read(ocr, sign, engine=engine)
    assert [i.text for i in items] == ["NO ENTRY", "EXIT ONLY"]
    (top, bottom) = items
    assert max(p.y for p in top.polygon) < min(p.y for p in bottom.polygon)


def second_line(image: Image.Image, _index: int) -> None:
    draw = ImageDraw.Draw(image)
    draw.text((200, 250), "EXIT ONLY", font=text_font(36), fill=(235, 235, 235))
