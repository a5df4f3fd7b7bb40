"""Frames that did not change are not analysed again, and nothing is lost.

The analysis video's photograph shots (a face, a cat, a cup, a palace) are still for 2 s each; its
flat shots have a square sliding along the bottom. Objects, faces and places must run once on each
still shot's first sample and answer every later sample of it with the same items (its own frame
index and timestamp), exactly as if every frame had been analysed; a moving shot is analysed frame
by frame. OCR's own test (test_ocr.py) does the same for slides whose text alone changes.
"""

from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise_dev.media import SampleVideo
from framewise_ml.media.change import UnchangedFrames, change, thumbnail
from framewise_ml.media.frames import Frame
from framewise_ml.models.base import InferenceModel, ModelContext, ModelState
from framewise_ml.models.config import CHANGE_THRESHOLD
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.objects_darknet import DarknetObjectsModel
from framewise_ml.models.places_imagenet import ImageNetPlacesModel

pytestmark = pytest.mark.ml

INTERVAL_MS = 500  # four samples a shot
STILL_SHOTS = (1, 3, 4, 5)  # the face, the cat, the cup, the palace
MODELS = {"objects": DarknetObjectsModel, "faces": FacesModel, "places": ImageNetPlacesModel}


def grey(level: int, size: tuple[int, int] = (72, 128)) -> np.ndarray:
    return np.full((*size, 3), level, np.uint8)


# -- the rule, on frames made here ---------------------------------------------------------------


def test_one_changed_line_is_a_change_although_the_picture_barely_moves() -> None:
    slide = grey(40, (720, 1280))
    changed = slide.copy()
    changed[300:340, 200:900] = 255  # one line of text: 2.6 % of the picture
    assert change(thumbnail(slide), thumbnail(changed)) > CHANGE_THRESHOLD
    noisy = np.clip(slide.astype(int) + np.random.default_rng(1).integers(-3, 4, slide.shape), 0, 255)
    assert change(thumbnail(slide), thumbnail(noisy.astype(np.uint8))) < CHANGE_THRESHOLD  # encoding noise


def test_a_slow_drift_is_analysed_once_it_adds_up() -> None:
    """Each frame 2 levels brighter than the one before: compared with the last one analysed, not
    with its neighbour, so every fourth frame is analysed (2, 4, 6 <= 6; 8 > 6)."""
    frames = [Frame(i, i * 500, grey(40 + 2 * i)) for i in range(9)]
    unchanged = UnchangedFrames(CHANGE_THRESHOLD)
    assert [f.index for f in unchanged.fresh(frames)] == [0, 4, 8]
    assert (unchanged.analysed, unchanged.reused) == (3, 6)


def test_threshold_zero_analyses_every_frame_even_identical_ones() -> None:
    frames = [Frame(i, i * 500, grey(40)) for i in range(5)]
    unchanged = UnchangedFrames(0)
    assert [f.index for f in unchanged.fresh(frames)] == [0, 1, 2, 3, 4]
    assert unchanged.fill([{"frame_index": 2, "timestamp_ms": 1000}]) == [{"frame_index": 2, "timestamp_ms": 1000}]


@settings(max_examples=150, deadline=None)
@given(
    levels=st.lists(st.sampled_from([0, 3, 60, 200]), min_size=1, max_size=25),
    counts=st.lists(st.integers(0, 3), min_size=25, max_size=25),
    threshold=st.sampled_from([0.0, 2.0, CHANGE_THRESHOLD, 100.0]),
)
def test_every_frame_gets_the_answer_of_the_frame_it_looks_like(
    levels: list[int], counts: list[int], threshold: float
) -> None:
    """Whatever the frames: every sampled frame comes out with the items of the last analysed frame
    (itself, when analysed), under its own index and timestamp, in frame order; a frame that was
    reused is within the threshold of the one whose answer it got, and one that was analysed is not."""
    frames = [Frame(i, i * 40, grey(level)) for i, level in enumerate(levels)]
    unchanged = UnchangedFrames(threshold)
    items: list[JsonValue] = []
    source_of: dict[int, int] = {}
    last: Frame | None = None
    analysed = list(unchanged.fresh(frames))
    for frame in frames:
        if frame in analysed:
            if last is not None and threshold > 0:
                assert change(thumbnail(frame.image), thumbnail(last.image)) > threshold
            last = frame
            items += [
                {"frame_index": frame.index, "timestamp_ms": frame.timestamp_ms, "n": n}
                for n in range(counts[frame.index])
            ]
        else:
            assert last is not None and change(thumbnail(frame.image), thumbnail(last.image)) <= threshold
        source_of[frame.index] = last.index
    filled = cast(list[dict[str, Any]], unchanged.fill(items))
    expected = [
        {"frame_index": f.index, "timestamp_ms": f.timestamp_ms, "n": n}
        for f in frames
        for n in range(counts[source_of[f.index]])
    ]
    assert filled == expected
    assert unchanged.analysed == len(analysed) and unchanged.analysed + unchanged.reused == len(frames)


# -- the models, on the analysis video -----------------------------------------------------------


@pytest.fixture(scope="module", params=sorted(MODELS))
def model(request: pytest.FixtureRequest, model_cache: Path) -> InferenceModel:
    built = cast(InferenceModel, MODELS[request.param](ModelContext(model_cache)))
    built.load()
    assert built.status.state is ModelState.READY, built.status.reason
    return built


def answers(model: InferenceModel, video: SampleVideo, **config: object) -> tuple[list[dict[str, Any]], int, int]:
    request = InferenceRequest(video_path=str(video.path), config={"interval_ms": INTERVAL_MS, **config})
    prediction = model.predict(request, video.path)
    return cast(list[dict[str, Any]], prediction.items), prediction.frames_analysed, prediction.frames_reused


def test_still_shots_are_analysed_once_and_answer_every_sample_as_before(
    model: InferenceModel, analysis_video: SampleVideo
) -> None:
    every, analysed_all, reused_none = answers(model, analysis_video, change_threshold=0)
    skipping, analysed, reused = answers(model, analysis_video)
    samples = analysis_video.duration_ms // INTERVAL_MS
    assert (analysed_all, reused_none) == (samples, 0)
    # Each still shot's three later samples reuse its first; the shots with a moving square do not.
    assert (analysed, reused) == (samples - 3 * len(STILL_SHOTS), 3 * len(STILL_SHOTS))

    def what(items: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
        """Each item's frame and what it says (the label, or `face`), boxes within a few pixels."""
        return sorted((i["frame_index"], i["timestamp_ms"], str(i.get("label", "face"))) for i in items)

    assert what(skipping) == what(every)
    for kept, fresh in zip(by_frame(skipping), by_frame(every), strict=True):
        if "bbox" in kept:
            box, other = kept["bbox"], fresh["bbox"]
            assert max(abs(box[k] - other[k]) for k in box) < 8, (kept, fresh)


def by_frame(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items in the order of their frame, label and box."""
    return sorted(items, key=lambda i: (i["frame_index"], str(i.get("label")), i.get("bbox", {}).get("x1", 0)))


def test_provenance_names_the_threshold_a_run_used(model: InferenceModel, analysis_video: SampleVideo) -> None:
    request = InferenceRequest(video_path=str(analysis_video.path))
    assert model.provenance(request, analysis_video.path).change_threshold == CHANGE_THRESHOLD
    request = InferenceRequest(video_path=str(analysis_video.path), config={"change_threshold": 2.5})
    assert model.provenance(request, analysis_video.path).change_threshold == 2.5
    with pytest.raises(ValueError, match="change_threshold"):
        model.check_config({"change_threshold": 300})
