"""On-screen text: each OCR engine through the ML service's own `predict`, on 24 generated 1280x720
slides with three lines of text each (72 phrases), against today's path.

Each slide shows for one second (sampled once: `interval_ms` 1000), three lines of two to four words
from a fixed vocabulary in DejaVu Sans Bold at 40 to 64 px, light on dark or dark on light, on a plain
or a gradient background. A phrase counts as read when one line the engine reports is exactly it
(upper and lower case as written, spaces collapsed). Rows: EasyOCR, the engine the service ran
before, then RapidOCR, each through today's `predict` (pieces of one line joined). Milliseconds per slide are
inference time over all slides, after one warm-up slide; the ML service's CPU budget applies
(ANALYSIS_THREADS, default every core: one analysis alone).
"""

import argparse
import os
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bench._common import bench_arguments, report
from framewise.contracts.ml import InferenceRequest
from framewise_dev.media import Segment, make_sample_video, text_font
from framewise_ml.models.base import ModelContext
from framewise_ml.models.ocr import OcrModel
from framewise_ml.models.registry import set_torch_threads
from framewise_ml.weights.build import build_cache

SLIDES, LINES, WIDTH, HEIGHT = 24, 3, 1280, 720
VOCABULARY = (
    "Quarterly results budget meeting Thursday Platform station exit entry north south room floor "
    "sale open closed today tomorrow ticket office library museum garden coffee menu price total "
    "chapter lesson summary agenda project deadline Monday Friday river bridge harbour market 2026 "
    "45 minutes delay gate welcome"
).split()


def slide_texts(rng: random.Random) -> list[list[str]]:
    return [[" ".join(rng.sample(VOCABULARY, rng.randint(2, 4))) for _ in range(LINES)] for _ in range(SLIDES)]


def painter(lines: list[str], seed: int) -> Callable[[Image.Image, int], None]:
    rng = random.Random(seed)
    dark = rng.random() < 0.5
    size = rng.randint(40, 64)
    gradient = rng.random() < 0.5

    def paint(image: Image.Image, _index: int) -> None:
        if gradient:
            ramp = np.linspace(30 if dark else 180, 90 if dark else 250, image.width, dtype=np.uint8)
            image.paste(Image.fromarray(np.tile(ramp, (image.height, 1))).convert("RGB"))
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((100, 120 + i * 180), line, font=text_font(size), fill=(240, 240, 240) if dark else (20, 20, 20))

    return paint


def measure(model: OcrModel, video: Path, expected: list[list[str]], label: str, config: dict[str, object]) -> dict:
    request = InferenceRequest(video_path=str(video), config={"interval_ms": 1000, **config}, start_ms=0, end_ms=1000)
    model.predict(request, video)  # warm-up: loads the engine
    prediction = model.predict(InferenceRequest(video_path=str(video), config={"interval_ms": 1000, **config}), video)
    read: dict[int, set[str]] = {}
    for item in prediction.items:
        read.setdefault(int(item["timestamp_ms"]) // 1000, set()).add(" ".join(str(item["text"]).split()))  # type: ignore[index, call-overload]
    exact = sum(phrase in read.get(i, set()) for i, lines in enumerate(expected) for phrase in lines)
    return {
        "path": label,
        "ms per slide": round(prediction.inference_ms / len(expected)),
        "phrases read exactly": f"{exact}/{len(expected) * LINES}",
        "lines reported": len(prediction.items),
    }


def main() -> None:
    bench_arguments(__doc__, "bench_ocr", parser=argparse.ArgumentParser())
    threads = set_torch_threads(int(os.environ.get("ANALYSIS_THREADS", "0")))
    rng = random.Random(7)
    expected = slide_texts(rng)
    with tempfile.TemporaryDirectory(prefix="framewise-bench-ocr-") as tmp:
        folder = Path(tmp)
        cache = Path(os.environ.get("MODEL_CACHE_DIR", folder / "models"))
        build_cache(cache, online=False)
        segments = [
            Segment(1.0, (25, 30, 60), "", moving_square=False, painter=painter(lines, i))
            for i, lines in enumerate(expected)
        ]
        video = make_sample_video(folder / "slides.mp4", segments=segments, width=WIDTH, height=HEIGHT).path
        ctx = ModelContext(cache, "cpu")
        model = OcrModel(ctx, "auto", threads)
        model.load()
        rows = [
            measure(model, video, expected, "easyocr (today's engine)", {"engine": "easyocr"}),
            measure(model, video, expected, "rapidocr", {"engine": "rapidocr"}),
        ]
    base = float(rows[0]["ms per slide"])
    for row in rows:
        row["speed-up"] = f"{base / max(1.0, float(row['ms per slide'])):.1f}x"
    report("bench_ocr", rows, {"slides": SLIDES, "size": f"{WIDTH}x{HEIGHT}", "threads": threads})


if __name__ == "__main__":
    main()
