"""A tiny YOLO detector the test suite fits itself: filled circles, squares and triangles.

No real YOLO weights exist offline (SPEC S11.3), and random weights detect nothing, so the object
detection tests could not assert real results. Instead this module draws a small, seeded synthetic
dataset (the same drawing code the tests use to paint their videos), trains `yolo11n.yaml` on it on
the CPU for about three minutes, checks its mAP50, and caches `best.pt` under a folder keyed by a
hash of the recipe and of this file, so only the first run pays for the fit.

Training runs in a child process (`python -m tests.ml.fitted.yolo_shapes OUT RECIPE`): ultralytics changes process-wide
state while it trains (torch threads, deterministic algorithms, seeds), which must not leak into
the test process. The result appears by an atomic rename under a file lock, so parallel test runs
neither train twice nor see half a file.

Build it ahead with: `.venv/bin/python -m tests.ml.fitted.yolo_shapes` (prints where it is cached).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tests.ml.fitted.cache import ROOT, cached_fit, recipe_key

CIRCLE, SQUARE, TRIANGLE = "circle", "square", "triangle"
LABELS = (CIRCLE, SQUARE, TRIANGLE)  # class ids 0, 1, 2
WEIGHTS_NAME = "best.pt"
METRICS_NAME = "metrics.json"
MIN_MAP50 = 0.8  # below this the recipe is broken: fail loudly rather than cache a useless model

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Recipe:
    """Everything the fitted weights depend on; its hash (with this file's) names the cache folder."""

    train_images: int = 480
    val_images: int = 96
    width: int = 320  # the size of the test videos' frames
    height: int = 240
    min_side: int = 36  # shape size in pixels of the 320x240 image
    max_side: int = 110
    seed: int = 20240601
    epochs: int = 12
    imgsz: int = 160
    batch: int = 16
    optimizer: str = "AdamW"
    lr0: float = 0.003
    warmup_epochs: float = 1.0
    close_mosaic: int = 3  # the last epochs without mosaic look like the single test frames
    ultralytics: str = version("ultralytics")
    torch: str = version("torch")

    def key(self) -> str:
        return recipe_key(self, Path(__file__))


RECIPE = Recipe()


def draw_shape(image: Image.Image, label: str, box: Box, color: Color) -> None:
    """A filled shape whose bounding box is exactly `box`; the tests paint their videos with it."""
    draw = ImageDraw.Draw(image)
    x1, y1, x2, y2 = box
    if label == CIRCLE:
        draw.ellipse((x1, y1, x2, y2), fill=color)
    elif label == SQUARE:
        draw.rectangle((x1, y1, x2, y2), fill=color)
    elif label == TRIANGLE:
        draw.polygon([(x1, y2), (x2, y2), ((x1 + x2) / 2, y1)], fill=color)
    else:
        raise ValueError(f"unknown shape {label!r}")


def _color(rng: np.random.Generator) -> Color:
    r, g, b = rng.integers(0, 256, 3)
    return int(r), int(g), int(b)


def _contrasting(rng: np.random.Generator, background: Color) -> Color:
    """A colour far enough from the background that the shape is visible (as in any real video)."""
    while True:
        color = _color(rng)
        if sum(abs(a - b) for a, b in zip(color, background, strict=True)) >= 150:
            return color


def _background(rng: np.random.Generator, width: int, height: int) -> tuple[Image.Image, Color]:
    """Flat, gradient or noisy backgrounds, so the model learns shapes and not one backdrop."""
    base = _color(rng)
    kind = rng.integers(0, 3)
    pixels = np.empty((height, width, 3), np.float32)
    pixels[:] = base
    if kind == 1:
        other = np.array(_color(rng), np.float32)
        ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
        pixels = pixels * (1 - ramp * 0.5) + other * ramp * 0.5
    elif kind == 2:
        pixels += rng.normal(0, 12, pixels.shape).astype(np.float32)
    mean = pixels.reshape(-1, 3).mean(0)
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8)), (int(mean[0]), int(mean[1]), int(mean[2]))


def _overlaps(box: Box, others: list[Box], margin: float = 4) -> bool:
    return any(
        box[0] < o[2] + margin and o[0] < box[2] + margin and box[1] < o[3] + margin and o[1] < box[3] + margin
        for o in others
    )


def synthetic_image(rng: np.random.Generator, recipe: Recipe) -> tuple[Image.Image, list[tuple[int, Box]]]:
    """One image with 0..3 non-overlapping shapes (about one in ten is empty) and its labels."""
    image, background = _background(rng, recipe.width, recipe.height)
    count = 0 if rng.random() < 0.1 else int(rng.integers(1, 4))
    boxes: list[Box] = []
    labels: list[tuple[int, Box]] = []
    for _ in range(count * 20):  # a few tries each to place a shape where there is room
        if len(boxes) == count:
            break
        side = float(rng.integers(recipe.min_side, recipe.max_side + 1))
        aspect = 1.0 if rng.random() < 0.7 else float(rng.uniform(0.75, 1.33))  # some circles are ellipses
        w, h = side, side * aspect
        x1 = float(rng.uniform(0, recipe.width - w))
        y1 = float(rng.uniform(0, recipe.height - h))
        box = (x1, y1, x1 + w, y1 + h)
        if _overlaps(box, boxes):
            continue
        cls = int(rng.integers(0, len(LABELS)))
        draw_shape(image, LABELS[cls], box, _contrasting(rng, background))
        boxes.append(box)
        labels.append((cls, box))
    return image, labels


def write_dataset(folder: Path, recipe: Recipe) -> Path:
    """The dataset in YOLO format (JPEG like a decoded video frame, one txt per image); its yaml."""
    rng = np.random.default_rng(recipe.seed)
    for split, n in (("train", recipe.train_images), ("val", recipe.val_images)):
        (folder / "images" / split).mkdir(parents=True, exist_ok=True)
        (folder / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            image, labels = synthetic_image(rng, recipe)
            image.save(folder / "images" / split / f"{i:05d}.jpg", quality=90)
            lines = [
                f"{cls} {(x1 + x2) / 2 / recipe.width:.6f} {(y1 + y2) / 2 / recipe.height:.6f} "
                f"{(x2 - x1) / recipe.width:.6f} {(y2 - y1) / recipe.height:.6f}"
                for cls, (x1, y1, x2, y2) in labels
            ]
            (folder / "labels" / split / f"{i:05d}.txt").write_text("\n".join(lines))
    names = "\n".join(f"  {i}: {name}" for i, name in enumerate(LABELS))
    data = folder / "shapes.yaml"
    data.write_text(f"path: {folder}\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    return data


def train(out: Path, recipe: Recipe = RECIPE) -> dict[str, object]:
    """Fit the detector into `out` (`best.pt` and `metrics.json`). Run in a child process only."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(out / "ultralytics-config"))
    from framewise_ml.compat.torchvision_nms import import_torchvision

    import_torchvision()
    import ultralytics.data.utils
    from ultralytics import YOLO

    # The dataset check asks for a plotting font and, when absent, probes its download URL over
    # the network; plots are off, so no font is needed.
    ultralytics.data.utils.check_font = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = write_dataset(work / "data", recipe)
        started = time.perf_counter()
        model = YOLO("yolo11n.yaml")
        model.train(
            data=str(data),
            epochs=recipe.epochs,
            imgsz=recipe.imgsz,
            batch=recipe.batch,
            optimizer=recipe.optimizer,
            lr0=recipe.lr0,
            warmup_epochs=recipe.warmup_epochs,
            close_mosaic=recipe.close_mosaic,
            val=False,  # validated once at the end: per-epoch validation would cost a tenth of the budget
            device="cpu",
            workers=0,
            seed=recipe.seed % 2**31,
            deterministic=True,
            plots=False,
            amp=False,
            cache="disk",  # decoded once; "ram" caching is not deterministic
            project=str(work / "runs"),
            name="shapes",
            exist_ok=True,
            verbose=False,
            pretrained=False,
        )
        seconds = time.perf_counter() - started
        best = work / "runs" / "shapes" / "weights" / WEIGHTS_NAME
        metrics = YOLO(str(best)).val(
            data=str(data),
            imgsz=recipe.imgsz,
            batch=recipe.batch,
            device="cpu",
            workers=0,
            plots=False,
            project=str(work / "runs"),
            name="val",
            exist_ok=True,
            verbose=False,
        )
        result = {
            "map50": round(float(metrics.box.map50), 4),
            "map50_95": round(float(metrics.box.map), 4),
            "train_seconds": round(seconds, 1),
            **{f"recipe_{k}": v for k, v in asdict(recipe).items()},
        }
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(best, out / WEIGHTS_NAME)
    (out / METRICS_NAME).write_text(json.dumps(result, indent=2))
    return result


def _train_in_child(out: Path, recipe: Recipe) -> None:
    log = out / "train.log"
    print(f"fitting the YOLO shapes detector (a few minutes, once); log: {log}", file=sys.stderr)
    with log.open("w") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "tests.ml.fitted.yolo_shapes", str(out), json.dumps(asdict(recipe))],
            cwd=ROOT,
            check=False,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"fitting the shapes detector failed ({done.returncode}):\n{tail}")


def fitted_shapes_yolo(recipe: Recipe = RECIPE) -> Path:
    """The fitted weights (`best.pt`), trained on first use and cached by recipe hash."""

    def fit(folder: Path) -> None:
        _train_in_child(folder, recipe)
        metrics = json.loads((folder / METRICS_NAME).read_text())
        if metrics["map50"] < MIN_MAP50:
            raise RuntimeError(f"the shapes detector fit too poorly to test with: {metrics}")
        shutil.rmtree(folder / "ultralytics-config", ignore_errors=True)

    return cached_fit("yolo-shapes", recipe.key(), WEIGHTS_NAME, fit)


def fitted_metrics(recipe: Recipe = RECIPE) -> dict[str, object]:
    """mAP50 and training time of the cached fit (for reports)."""
    path = fitted_shapes_yolo(recipe).with_name(METRICS_NAME)
    return json.loads(path.read_text())  # type: ignore[no-any-return]


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(train(Path(sys.argv[1]), Recipe(**json.loads(sys.argv[2])))))
    else:
        print(fitted_shapes_yolo(), json.dumps(fitted_metrics()))
