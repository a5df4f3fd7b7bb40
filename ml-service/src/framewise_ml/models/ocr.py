"""On-screen text, read a line at a time by one of two engines (models/ocr_engines.py):

- `rapidocr` (PP-OCRv4 as ONNX) on the CPU for the scripts it reads (Latin, Chinese);
- `easyocr` (CRAFT + CRNN on torch) on CUDA, for every other language, and wherever it is chosen.

`OCR_ENGINE` sets the default (`auto`: the rules above), the `engine` config key chooses per request;
the engine, its version and its weights are in the provenance and /health, so a task read by the
other engine is stale for re-index. Pieces of one line are joined into one text with one box
(models/ocr_lines.py). A sampled frame that looks the same as the last one read (no 8x8 block of a
small grey thumbnail changed by more than `change_threshold` on average: media/change.py) is not read
again: the previous frame's lines are reported for it, with its own frame index and timestamp. In a
frame that changed, a line that did not (a caption over moving pictures) keeps its reading by the same
measure and threshold (models/ocr_unchanged.py).
"""

import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise.domain.provenance import Provenance
from framewise_ml.media.change import UnchangedFrames
from framewise_ml.media.frames import Frame, sample_frames
from framewise_ml.models.base import Identities, InferenceModel, ModelContext, Prediction
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
from framewise_ml.models.ocr_engines import (
    EASYOCR_RECOGNISERS,
    RAPIDOCR_LANGUAGES,
    EasyOcrEngine,
    OcrEngine,
    RapidOcrEngine,
)
from framewise_ml.models.ocr_lines import Read, lines
from framewise_ml.models.ocr_unchanged import UnchangedLines

MIN_CANVAS = 32  # the detector scales a frame to this side at least; smaller sizes leave nothing to read
ENGINES = ("auto", "rapidocr", "easyocr")
LANGUAGES = sorted(set(EASYOCR_RECOGNISERS) | RAPIDOCR_LANGUAGES)  # what one engine or the other reads


class OcrModel(InferenceModel):
    name = "ocr"
    producer = "rapidocr"  # the default engine's; set when the model is built
    config_keys = frozenset({"engine", "interval_ms", "languages", "confidence", "canvas_size", "change_threshold"})

    def __init__(self, ctx: ModelContext, engine: str = "auto", threads: int = 0) -> None:
        super().__init__(ctx)
        if engine not in ENGINES:
            raise ValueError(f"OCR_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.device = ctx.device
        self.default_engine = engine
        self.engines: dict[str, OcrEngine] = {
            "rapidocr": RapidOcrEngine(self.ctx.cache_dir / "rapidocr", threads),
            "easyocr": EasyOcrEngine(self.ctx.cache_dir / "easyocr", ctx.device),
        }
        self._identities = Identities()
        self.producer = self._engine_for(self.default_engine, ("en",)).name
        self.selected_by = f"OCR_ENGINE={engine}" + (": " + self._auto(("en",))[1] if engine == "auto" else "")

    # -- which engine -------------------------------------------------------------------------

    def _auto(self, languages: tuple[str, ...]) -> tuple[str, str]:
        """The engine `auto` picks for these languages, and why."""
        if self.device == "cuda":
            return "easyocr", "easyocr runs on CUDA"
        unread = sorted(set(languages) - self.engines["rapidocr"].languages)
        if unread:
            return "easyocr", f"rapidocr does not read {', '.join(unread)}"
        return "rapidocr", "rapidocr on the CPU"

    def _engine_for(self, chosen: str, languages: tuple[str, ...]) -> OcrEngine:
        return self.engines[self._auto(languages)[0] if chosen == "auto" else chosen]

    def _identity(self, engine: OcrEngine, languages: tuple[str, ...]) -> str:
        return self._identities.of((engine.name, *languages), engine.files(languages))

    # -- the model ----------------------------------------------------------------------------

    @property
    def producer_version(self) -> str:
        return self._engine_for(self.default_engine, ("en",)).version

    @property
    def weights(self) -> str:
        return self._identities.get((self.producer, "en"))

    def _load(self) -> None:
        engine = self._engine_for(self.default_engine, ("en",))
        self._identity(engine, ("en",))
        engine.read(np.full((64, 160, 3), 255, np.uint8), ("en",), 160)  # loads it, so a failure shows here

    def _warm_up(self) -> None:
        engine = self._engine_for(self.default_engine, ("en",))
        engine.read(np.full((64, 160, 3), 255, np.uint8), ("en",), 160)

    def _options(self, config: Config) -> tuple[OcrEngine, int, tuple[str, ...], float, int, float]:
        chosen = config_choice(config, "engine", self.default_engine, list(ENGINES))
        interval = config_int(config, "interval_ms", 1000, 2 * MIN_INTERVAL_MS, MAX_INTERVAL_MS)
        languages = tuple(config_strings(config, "languages", ["en"], LANGUAGES))
        engine = self._engine_for(chosen, languages)
        if not set(languages) <= engine.languages:
            raise InvalidConfig(f"config languages {', '.join(languages)}: the {engine.name} engine does not read them")
        min_confidence = config_number(config, "confidence", 0.3, 0.0, 1.0)
        canvas = config_int(config, "canvas_size", 0, 0, 2560)  # 0: the frame's own longer side
        if 0 < canvas < MIN_CANVAS:
            raise InvalidConfig(f"config canvas_size must be 0 (the frame's size) or {MIN_CANVAS} to 2560")
        change = config_change_threshold(config)
        return engine, interval, languages, min_confidence, canvas, change

    def _check(self, config: Config) -> None:
        self._options(config)

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        """The engine this request's config chose: its name, version and weights."""
        engine, _, languages, *_ = self._options(request.config)
        base = super().provenance(request, path, input_hash)
        update = {"producer": engine.name, "producer_version": engine.version}
        return base.model_copy(update={**update, "weights": self._identity(engine, languages)})

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        engine, interval, languages, min_confidence, canvas, change = self._options(request.config)
        self._identity(engine, languages)  # its weights are there (MissingWeights names them otherwise)
        items: list[JsonValue] = []
        decode_s = infer_s = 0.0
        unchanged, unchanged_lines = UnchangedFrames(change), UnchangedLines[Any](change)
        started = time.perf_counter()
        frames = sample_frames(path, interval_ms=interval, start_ms=request.start_ms, end_ms=request.end_ms)
        for frame in unchanged.fresh(frames):
            decode_s += time.perf_counter() - started
            reading = time.perf_counter()
            side = canvas or max(frame.image.shape[:2])
            found = engine.read(frame.image, languages, side, unchanged_lines)
            read = [r for r in found if r.confidence >= min_confidence]
            items.extend(_items(frame, lines(read)))
            infer_s += time.perf_counter() - reading
            started = time.perf_counter()
        return unchanged.prediction(items, decode_s, infer_s)


def _items(frame: Frame, read: list[Read]) -> list[JsonValue]:
    return [
        {
            "frame_index": frame.index,
            "timestamp_ms": frame.timestamp_ms,
            "text": line.text,
            "confidence": round(line.confidence, 4),
            "polygon": [{"x": round(x, 1), "y": round(y, 1)} for x, y in line.polygon],
        }
        for line in read
    ]
