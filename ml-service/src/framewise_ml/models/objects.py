"""Objects with ultralytics YOLO: sampled frames, batched through the detector, boxes in frame pixels.

Weights live in `MODEL_CACHE_DIR/yolo/{name}.pt`. A request picks them by `profile` (fast, balanced,
accurate: yolo11n, yolo11s, yolo11m) or by `model`, the name of any checkpoint in that folder (a
fine-tuned detector, say). Each is loaded on first use and kept; only the default one (yolo11n) is
loaded and warmed at start-up, so a missing default makes the model FAILED (503) while a missing
optional profile is a 422 for the requests that ask for it.

ultralytics and torch are imported in `_load`, never at module import: torchvision must come after
the NMS fallback is registered, ultralytics after its offline settings are in the
environment, and a build without them reports this model failed instead of failing to start.
"""

import os
import re
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
from framewise_ml.media.frames import Frame, batched, probe_video, sample_frames
from framewise_ml.models.base import (
    InferenceModel,
    MissingWeights,
    ModelContext,
    Prediction,
    weights_identity,
)
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

PROFILES = {"fast": "yolo11n", "balanced": "yolo11s", "accurate": "yolo11m"}
DEFAULT_PROFILE = "fast"  # yolo11n: the model the service loads, warms and answers with by default
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # a plain file name: no separators, no "..": safe
RANDOM = "random"
# The settings of an objects request, whichever detector answers it (objects_darknet.py refuses `model`).
CONFIG_KEYS = frozenset(
    {
        "model",
        "profile",
        "imgsz",
        "interval_ms",
        "confidence",
        "iou",
        "max_detections",
        "batch",
        "classes",
        "change_threshold",
    }
)


@dataclass(frozen=True)
class Settings:
    """A request's config, checked before any frame is decoded."""

    model: str  # file stem under MODEL_CACHE_DIR/yolo
    profile: str  # what provenance names: the profile, or the model when one was named
    interval_ms: int
    confidence: float
    iou: float
    imgsz: int
    max_detections: int
    batch: int
    change_threshold: float


@dataclass
class Loaded:
    yolo: Any  # ultralytics.YOLO
    weights: str  # weights_identity of the file, or "random"
    names: dict[int, str]
    lock: threading.Lock  # ultralytics keeps per-call state on its predictor: one call at a time


def read_settings(config: Config) -> Settings:
    if "model" in config and "profile" in config:
        raise InvalidConfig("config must name a profile or a model, not both")
    if "model" in config:
        raw = config["model"]
        model = raw.removesuffix(".pt") if isinstance(raw, str) else ""
        if not MODEL_NAME.fullmatch(model) or ".." in model:
            raise InvalidConfig("config model must be the plain name of a .pt file in the yolo weights folder")
        profile = model
    else:
        profile = config_choice(config, "profile", DEFAULT_PROFILE, list(PROFILES))
        model = PROFILES[profile]
    imgsz = config_int(config, "imgsz", 640, 64, 1280)
    if imgsz % 32:
        raise InvalidConfig("config imgsz must be a multiple of 32")
    return Settings(
        model=model,
        profile=profile,
        interval_ms=config_int(config, "interval_ms", 1000, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
        confidence=config_number(config, "confidence", 0.25, 0.01, 1.0),
        iou=config_number(config, "iou", 0.7, 0.05, 0.95),
        imgsz=imgsz,
        max_detections=config_int(config, "max_detections", 100, 1, 1000),
        batch=config_int(config, "batch", 8, 1, 32),
        change_threshold=config_change_threshold(config),
    )


class ObjectsModel(InferenceModel):
    name = "objects"
    producer = "ultralytics"
    config_keys = CONFIG_KEYS

    def __init__(self, ctx: ModelContext) -> None:
        super().__init__(ctx)
        self.device = ctx.device
        self._models: dict[str, Loaded] = {}
        self._loading = threading.Lock()
        self._version = "unknown"
        self._torch: Any = None
        self._yolo_class: Any = None

    @property
    def folder(self) -> Path:
        return self.ctx.cache_dir / "yolo"

    @property
    def producer_version(self) -> str:
        return f"{self._version}/{PROFILES[DEFAULT_PROFILE]}"

    @property
    def weights(self) -> str:
        loaded = self._models.get(PROFILES[DEFAULT_PROFILE])
        return loaded.weights if loaded else "none"

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        """The provenance of the checkpoint this request used, which need not be the default one."""
        settings = read_settings(request.config)
        loaded = self._model(settings.model)
        base = super().provenance(request, path, input_hash)
        return base.model_copy(
            update={
                "producer_version": f"{self._version}/{settings.model}",
                "model_profile": settings.profile,
                "weights": loaded.weights,
            }
        )

    def _load(self) -> None:
        os.environ.setdefault("YOLO_OFFLINE", "1")  # ultralytics reads both at import
        os.environ.setdefault("YOLO_CONFIG_DIR", str(self.ctx.cache_dir / "ultralytics"))
        from framewise_ml.compat.torchvision_nms import import_torchvision

        import_torchvision()
        import torch
        import ultralytics

        self._torch, self._yolo_class, self._version = torch, ultralytics.YOLO, str(ultralytics.__version__)
        self._model(PROFILES[DEFAULT_PROFILE], required=True)

    def _model(self, model: str, *, required: bool = False) -> Loaded:
        """The loaded checkpoint `model`, loading it on first use (once, whichever thread asks)."""
        with self._loading:
            if model in self._models:
                return self._models[model]
            path = self.folder / f"{model}.pt"
            if path.is_file():
                yolo, weights = self._yolo_class(str(path)), weights_identity(path)
            elif self.ctx.allow_random_weights and model in PROFILES.values():
                yolo, weights = self._yolo_class(f"{model}.yaml"), RANDOM  # architecture only: says so
            elif required:
                raise MissingWeights(
                    f"YOLO weights not found at {path}: run `make models`, or put a YOLO detection "
                    f"checkpoint there (set ALLOW_RANDOM_WEIGHTS=true to run with random weights)",
                    [path],
                )
            else:
                known = sorted(p.stem for p in self.folder.glob("*.pt")) if self.folder.is_dir() else []
                raise InvalidConfig(
                    f"config model: no YOLO weights {path.name} in the cache; installed: {', '.join(known) or 'none'}"
                )
            if yolo.task != "detect":
                raise InvalidConfig(f"config model: {path.name} is a {yolo.task} model, not a detector")
            loaded = Loaded(yolo, weights, {int(k): str(v) for k, v in yolo.names.items()}, threading.Lock())
            self._models[model] = loaded
            return loaded

    def _run(self, loaded: Loaded, images: list[np.ndarray], settings: Settings, classes: list[int] | None) -> Any:
        """One batched predict. ultralytics resets torch's thread count process-wide on its first
        predict, which would slow every other model in the service: put it back."""
        threads = self._torch.get_num_threads()
        try:
            with loaded.lock:
                return loaded.yolo.predict(
                    images,
                    conf=settings.confidence,
                    iou=settings.iou,
                    imgsz=settings.imgsz,
                    max_det=settings.max_detections,
                    classes=classes,
                    device=self.device,
                    verbose=False,
                )
        finally:
            if self._torch.get_num_threads() != threads:
                self._torch.set_num_threads(threads)

    def _warm_up(self) -> None:
        settings = read_settings({})
        self._run(self._model(settings.model), [np.zeros((360, 640, 3), np.uint8)], settings, None)

    def _wanted(self, config: Config) -> tuple[Settings, Loaded, list[int] | None]:
        """The settings, the checkpoint and the class ids (None: all) a config asks for."""
        settings = read_settings(config)
        loaded = self._model(settings.model)
        if "classes" not in config:
            return settings, loaded, None
        labels = config_strings(config, "classes", [], sorted(set(loaded.names.values())))
        return settings, loaded, [cls for cls, label in loaded.names.items() if label in labels]

    def _check(self, config: Config) -> None:
        self._wanted(config)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        settings, loaded, classes = self._wanted(request.config)
        started = time.perf_counter()
        info = probe_video(path)
        decode_ms = (time.perf_counter() - started) * 1000
        inference_ms = 0.0
        # Frames come decoded no larger than the network input: cheaper to convert and to hold in a
        # batch, and ultralytics would shrink them anyway. Boxes are scaled back to the frame.
        frames = sample_frames(
            path,
            interval_ms=settings.interval_ms,
            start_ms=request.start_ms,
            end_ms=request.end_ms,
            max_side=settings.imgsz,
        )
        items: list[JsonValue] = []
        unchanged = UnchangedFrames(settings.change_threshold)
        for batch, decoding in batched(unchanged.fresh(frames), settings.batch):
            decode_ms += decoding * 1000
            started = time.perf_counter()
            images = [np.ascontiguousarray(frame.image[:, :, ::-1]) for frame in batch]  # RGB -> BGR
            results = self._run(loaded, images, settings, classes)
            for frame, result in zip(batch, results, strict=True):
                items += _detections(frame, result, info.width, info.height, loaded.names)
            inference_ms += (time.perf_counter() - started) * 1000
        return unchanged.prediction(items, decode_ms / 1000, inference_ms / 1000)


def _detections(frame: Frame, result: Any, width: int, height: int, names: dict[int, str]) -> list[JsonValue]:
    """ObjectDetectionV1 items of one frame, boxes in the original frame's pixels, clamped to it."""
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return []
    scale_y, scale_x = height / frame.image.shape[0], width / frame.image.shape[1]
    xyxy = boxes.xyxy.cpu().numpy().astype(np.float64) * [scale_x, scale_y, scale_x, scale_y]
    xyxy = xyxy.clip(0, [width, height, width, height]).round(1)
    items: list[JsonValue] = []
    for (x1, y1, x2, y2), confidence, cls in zip(
        xyxy.tolist(), boxes.conf.cpu().tolist(), boxes.cls.cpu().tolist(), strict=True
    ):
        items.append(
            {
                "label": names.get(int(cls), str(int(cls))),
                "confidence": round(min(1.0, max(0.0, float(confidence))), 4),
                "bbox": {"x1": x1, "y1": y1, "x2": x2, "y2": y2},
                "frame_index": frame.index,
                "timestamp_ms": frame.timestamp_ms,
            }
        )
    return items
