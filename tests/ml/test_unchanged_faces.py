"""A face that did not change since the frame before keeps its descriptor; any other is described.

dlib's descriptor costs more than finding the face, and an interview or a fixed camera shows one
still face in frame after frame while something else moves (here, the sample video's sliding
square): the whole frame changed, so MTCNN runs, but the face did not, so dlib need not. The rule
is checked on frames made here with a describer that counts its calls, then on a real video through
the real models: every face still found and placed, each descriptor as close to the one dlib gives
that frame alone as two frames' own descriptors are to each other.
"""

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from framewise.contracts.ml import InferenceRequest
from framewise_dev.media import Segment, make_sample_video, paste_face
from framewise_ml.models.config import CHANGE_THRESHOLD
from framewise_ml.models.face_descriptors import Box, UnchangedFaces
from framewise_ml.models.faces import FacesModel

pytestmark = pytest.mark.ml

FACE: Box = (100.0, 60.0, 180.0, 160.0)


def picture(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (240, 320, 3), dtype=np.uint8)


class Counting:
    """A describer that answers each box with its own left edge and counts the boxes it was asked."""

    def __init__(self) -> None:
        self.asked: list[Box] = []

    def __call__(self, image: np.ndarray, boxes: Sequence[Box]) -> list[list[float]]:
        self.asked.extend(boxes)
        return [[box[0]] for box in boxes]


def test_the_same_face_in_the_same_place_is_described_once_though_the_rest_moves() -> None:
    describe, faces = Counting(), UnchangedFaces(CHANGE_THRESHOLD)
    first, second = picture(), picture()
    second[200:230, 10:300] = 255  # a square slides along the bottom: the frame changed, the face did not
    nudged = (FACE[0] + 2, FACE[1] + 1, FACE[2] + 2, FACE[3] + 1)  # the detector's box moves by a pixel or two
    assert faces.describe(first, [FACE], describe) == [[FACE[0]]]
    assert faces.describe(second, [nudged], describe) == [[FACE[0]]]  # the first frame's descriptor
    assert describe.asked == [FACE] and faces.reused == 1


def test_a_face_that_changed_moved_or_is_new_is_described_again() -> None:
    describe, faces = Counting(), UnchangedFaces(CHANGE_THRESHOLD)
    base = picture()
    faces.describe(base, [FACE], describe)
    other = base.copy()
    other[70:150, 110:170] = picture(2)[70:150, 110:170]  # another face in the same box
    assert faces.describe(other, [FACE], describe) == [[FACE[0]]]
    moved: Box = (140.0, 60.0, 220.0, 160.0)  # half the box away: another place
    second: Box = (220.0, 20.0, 300.0, 120.0)
    assert faces.describe(other, [moved, second], describe) == [[moved[0]], [second[0]]]
    assert describe.asked == [FACE, FACE, moved, second] and faces.reused == 0


def test_only_the_frame_before_counts_and_threshold_zero_describes_every_face() -> None:
    describe, faces = Counting(), UnchangedFaces(CHANGE_THRESHOLD)
    image = picture()
    faces.describe(image, [FACE], describe)
    faces.describe(image, [], describe)  # a frame without the face in between
    faces.describe(image, [FACE], describe)
    assert len(describe.asked) == 2
    every, always = Counting(), UnchangedFaces(0)
    for _ in range(3):
        always.describe(image, [FACE], every)
    assert len(every.asked) == 3 and always.reused == 0


def test_a_frame_of_another_size_is_described_afresh() -> None:
    describe, faces = Counting(), UnchangedFaces(CHANGE_THRESHOLD)
    faces.describe(picture(), [FACE], describe)
    faces.describe(np.zeros((480, 640, 3), np.uint8), [FACE], describe)
    assert len(describe.asked) == 2


def test_a_still_face_while_the_frame_moves_keeps_its_place_and_a_descriptor_like_its_own(
    faces: FacesModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_sample_video(
        tmp_path / "still-face.mp4",
        segments=[Segment(4.0, (60, 60, 70), painter=paste_face), Segment(2.0, (20, 20, 20))],
        width=480,
        height=270,
    )
    asked: list[int] = []
    describe = faces._describer.describe  # type: ignore[union-attr]
    monkeypatch.setattr(
        faces._describer, "describe", lambda image, boxes: asked.append(len(boxes)) or describe(image, boxes)
    )

    def run(**config: Any) -> list[dict[str, Any]]:
        request = InferenceRequest(video_path=str(video.path), config={"interval_ms": 500, **config})
        prediction = faces.predict(request, video.path)
        assert prediction.frames_reused == 0  # the square moves: every frame is analysed
        return cast(list[dict[str, Any]], prediction.items)

    kept = run()
    described_once = sum(asked)
    asked.clear()
    each = run(change_threshold=0)
    assert len(each) == 8 and sum(asked) == 8  # the face in every sample of its 4 s shot, each described
    assert described_once < 8
    assert [(i["frame_index"], i["bbox"]) for i in kept] == [(i["frame_index"], i["bbox"]) for i in each]
    own = max(math.dist(a["descriptor"], b["descriptor"]) for a, b in itertools.pairwise(each))
    assert max(math.dist(a["descriptor"], b["descriptor"]) for a, b in zip(kept, each, strict=True)) <= max(own, 0.1)
