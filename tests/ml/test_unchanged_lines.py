"""A line of text that did not change since the frame before keeps its reading; any other is read.

A caption stays put while the picture around it moves (here, the sample video's sliding square):
the frame changed, so the detector runs, but the caption did not, so the recogniser need not read
it again. The rule is checked on crops made here with a recogniser that counts its calls, then on a
real video through RapidOCR: the same lines, boxes and texts as reading every line, with fewer reads.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from framewise.contracts.ml import InferenceRequest
from framewise_dev.media import Segment, make_sample_video, text_font
from framewise_ml.models.config import CHANGE_THRESHOLD
from framewise_ml.models.ocr import OcrModel
from framewise_ml.models.ocr_unchanged import Crop, UnchangedLines

pytestmark = pytest.mark.ml


def line(text: str, width: int = 240, height: int = 40, shade: int = 0, left: int = 6) -> Crop:
    """A dark line of text on a light ground, BGR, as the detector cuts it out of a frame."""
    image = Image.new("RGB", (width, height), (230 - shade, 230, 230))
    ImageDraw.Draw(image).text((left, 6), text, fill=(20, 20, 20), font=text_font(24))
    return np.asarray(image)[:, :, ::-1].copy()


class Counting:
    """A recogniser that answers each crop with [its width, a list to change] and counts its crops."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def __call__(self, crops: list[Crop]) -> list[list[Any]]:
        self.asked.extend(crop.shape[1] for crop in crops)
        return [[crop.shape[1], []] for crop in crops]


def test_the_same_line_is_read_once_though_its_box_moves_by_a_pixel() -> None:
    read, lines = Counting(), UnchangedLines[list[Any]](CHANGE_THRESHOLD)
    assert lines.recognise([line("NO ENTRY")], read) == [[240, []]]
    nudged = line("NO ENTRY", width=241, left=7, shade=2)  # the box a pixel wider and left; the encoder's noise
    again = lines.recognise([nudged], read)
    assert again == [[240, []]] and read.asked == [240] and (lines.read, lines.reused) == (1, 1)
    again[0][1].append("changed by the caller")  # RapidOCR fills in its readings afterwards
    assert lines.recognise([line("NO ENTRY")], read) == [[240, []]]  # the kept reading is a copy


def test_a_line_that_changed_or_grew_is_read_again() -> None:
    read, lines = Counting(), UnchangedLines[list[Any]](CHANGE_THRESHOLD)
    lines.recognise([line("NO ENTRY")], read)
    lines.recognise([line("NO EXIT")], read)  # same size, another word
    lines.recognise([line("NO EXIT", width=250)], read)  # the box ten pixels wider: another line
    lines.recognise([line("NO EXIT", width=250), line("OPEN", width=120)], read)  # one known, one new
    lines.recognise([line("ROOM 12")], read)
    lines.recognise([line("ROOM 13")], read)  # one letter
    assert read.asked == [240, 240, 250, 120, 240, 240] and lines.reused == 1


def test_only_the_frame_before_counts_and_threshold_zero_reads_every_line() -> None:
    read, lines = Counting(), UnchangedLines[list[Any]](CHANGE_THRESHOLD)
    lines.recognise([line("NO ENTRY")], read)
    lines.recognise([], read)  # a frame without the line in between
    lines.recognise([line("NO ENTRY")], read)
    assert len(read.asked) == 2
    every, always = Counting(), UnchangedLines[list[Any]](0)
    for _ in range(3):
        always.recognise([line("NO ENTRY")], every)
    assert len(every.asked) == 3 and always.reused == 0


def test_a_still_caption_over_moving_pictures_is_read_once_with_the_same_lines_as_reading_every_one(
    ocr: OcrModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_sample_video(
        tmp_path / "caption.mp4",
        segments=[Segment(4.0, (20, 30, 120), "NO ENTRY"), Segment(3.0, (200, 120, 40), "MONDAY AGENDA")],
        width=480,
        height=270,
    )
    engine = ocr.engines["rapidocr"].engine()  # type: ignore[attr-defined]
    recognise, asked = engine.text_rec.recogniser, []
    monkeypatch.setattr(
        engine.text_rec, "recogniser", lambda crops, *a: asked.append(len(crops)) or recognise(crops, *a)
    )

    def run(**config: Any) -> list[dict[str, Any]]:
        request = InferenceRequest(video_path=str(video.path), config={"interval_ms": 500, **config})
        prediction = ocr.predict(request, video.path)
        assert prediction.frames_reused == 0  # the square moves: every frame is read
        return [{**item, "confidence": round(item["confidence"], 2)} for item in prediction.items]  # type: ignore[dict-item]

    kept = run()
    reads = sum(asked)
    asked.clear()
    each = run(change_threshold=0)
    assert [i["text"] for i in each] == ["NO ENTRY"] * 8 + ["MONDAY AGENDA"] * 6 and sum(asked) == 14
    assert reads == 2  # each caption read once
    assert kept == each or [(i["text"], i["polygon"]) for i in kept] == [(i["text"], i["polygon"]) for i in each]
