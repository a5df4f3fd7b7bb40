"""A Places365 ResNet-18 the test suite fits itself on drawn scenes: beach, forest, desert, bedroom.

No Places365 weights exist offline (SPEC S11.3), and random weights classify nothing, so the place
tests could not assert real results. This module draws seeded, varied pictures of four Places365
categories (the same painters the tests use to paint their videos), fits `torchvision`'s resnet18
with the official 365 outputs on them (each picture trained at its official class index), checks its
accuracy through the production preprocessing at full size, and saves it in the official checkpoint
format (`{"epoch", "arch", "state_dict": {"module.…"}}`, no `classes`), so the tests go through the
same loader a real `resnet18_places365.pth.tar` does.

Three choices make a from-scratch fit reliable in about a minute on two cores (two to three when
the cores are shared): the network learns at reduced input sizes (64, 96, 128: the production
preprocessing with a smaller resize and crop, so it depends on no one size); every step draws new
pictures, at the size the network sees them, so it cannot memorise a picture; and its batch-norm
statistics are measured again at the production 256/224 before its accuracy is checked there. The
result is cached under a folder keyed by a hash of the recipe and of this file, and appears by an
atomic rename under a file lock, so parallel runs neither fit twice nor see half a file.

Build it ahead with: `.venv/bin/python -m tests.ml.fitted.places_scenes` (prints where it is cached).
"""

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from framewise_ml.compat.torchvision_nms import import_torchvision
from framewise_ml.models.places import CROP, RESIZE, preprocess, read_categories
from tests.ml.fitted.cache import cached_fit, recipe_key

BEACH, FOREST, DESERT, BEDROOM = "beach", "forest/broadleaf", "desert/sand", "bedroom"
LABELS = (BEACH, FOREST, DESERT, BEDROOM)
WEIGHTS_NAME = "resnet18_places365.pth.tar"  # the official file name
METRICS_NAME = "metrics.json"
MIN_ACCURACY = 0.97  # at the production preprocessing; below this the recipe is broken: fail loudly

Color = tuple[int, int, int]
Painter = Callable[[Image.Image, int], None]


@dataclass(frozen=True)
class Recipe:
    """Everything the fitted weights depend on; its hash (with this file's) names the cache folder."""

    steps: int = 128
    batch: int = 32
    train_crops: tuple[int, ...] = (64, 96, 128)  # network input sizes while fitting, by turns
    aspects: tuple[float, ...] = (4 / 3, 16 / 9, 1.0)  # picture width / height
    lr: float = 2e-3
    val_pictures: int = 160  # checked at the production size
    recalibrate: int = 128  # pictures whose statistics the batch norms take at the production size
    seed: int = 20240602
    torch: str = version("torch")
    torchvision: str = version("torchvision")

    def key(self) -> str:
        return recipe_key(self, Path(__file__))


RECIPE = Recipe()


def _jitter(rng: np.random.Generator, color: Color, spread: int = 25) -> Color:
    r, g, b = (int(np.clip(c + rng.integers(-spread, spread + 1), 0, 255)) for c in color)
    return r, g, b


def _beach(draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, h: int) -> None:
    """Sky, a blue sea to the horizon, pale sand in front with a wavy shore, sometimes a sun."""
    horizon, shore = h * rng.uniform(0.3, 0.48), h * rng.uniform(0.58, 0.75)
    draw.rectangle((0, 0, w, horizon), fill=_jitter(rng, (140, 195, 235)))
    draw.rectangle((0, horizon, w, shore), fill=_jitter(rng, (25, 95, 165)))
    phase, amplitude = rng.uniform(0, 6.3), h * rng.uniform(0.01, 0.04)
    edge = [(x, shore + amplitude * np.sin(phase + x / w * 9)) for x in np.linspace(0, w, 24)]
    draw.polygon([*edge, (w, h), (0, h)], fill=_jitter(rng, (230, 205, 155)))
    for _ in range(int(rng.integers(2, 6))):  # breaking waves
        y, x = rng.uniform(horizon + 3, shore - 2), rng.uniform(0, w * 0.8)
        draw.line((x, y, x + rng.uniform(w * 0.1, w * 0.3), y), fill=(235, 245, 250), width=max(1, h // 80))
    if rng.random() < 0.5:
        r, x = h * rng.uniform(0.04, 0.08), rng.uniform(0.1, 0.9) * w
        draw.ellipse((x - r, horizon * 0.3 - r, x + r, horizon * 0.3 + r), fill=_jitter(rng, (250, 235, 150), 5))


def _forest(draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, h: int) -> None:
    """Layered broadleaf foliage over dark green, brown trunks to a leafy floor."""
    draw.rectangle((0, 0, w, h), fill=_jitter(rng, (35, 75, 35), 15))
    for _ in range(int(rng.integers(4, 9))):
        x, tw = rng.uniform(0, w), w * rng.uniform(0.02, 0.06)
        draw.rectangle((x, h * rng.uniform(0.1, 0.4), x + tw, h), fill=_jitter(rng, (90, 60, 35), 15))
    for _ in range(int(rng.integers(30, 60))):
        x, y = rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 0.7) * h
        r = h * rng.uniform(0.05, 0.14)
        draw.ellipse((x - r * 1.3, y - r, x + r * 1.3, y + r), fill=_jitter(rng, (60, 125, 45), 30))
    draw.rectangle((0, h * rng.uniform(0.85, 0.93), w, h), fill=_jitter(rng, (70, 80, 35), 15))


def _desert(draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, h: int) -> None:
    """A pale hazy sky over rolling orange dunes, each nearer dune a shade apart."""
    sky = h * rng.uniform(0.2, 0.42)
    draw.rectangle((0, 0, w, h), fill=_jitter(rng, (215, 225, 235), 12))
    base = np.array(_jitter(rng, (225, 160, 95), 15))
    for layer in range(int(rng.integers(2, 5))):
        top = sky + layer * h * rng.uniform(0.08, 0.16)
        phase, amplitude, waves = rng.uniform(0, 6.3), h * rng.uniform(0.03, 0.09), rng.uniform(1.5, 4)
        edge = [(x, top + amplitude * np.sin(phase + x / w * waves * 3.14)) for x in np.linspace(0, w, 32)]
        shade = np.clip(base + rng.integers(-20, 21) - 8 * layer, 0, 255)
        draw.polygon([*edge, (w, h), (0, h)], fill=tuple(int(c) for c in shade))
        ripple = tuple(int(c) for c in np.clip(shade - rng.integers(25, 45), 0, 255))
        for _ in range(int(rng.integers(3, 7))):  # wind ripples following the crest
            drop = h * rng.uniform(0.03, 0.2)
            draw.line([(x, y + drop) for x, y in edge], fill=ripple, width=max(1, h // 100))


def _bedroom(draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, h: int) -> None:
    """A pastel wall with a window, a wooden floor, and a bed: headboard, pillows, blanket."""
    walls = [(225, 210, 180), (200, 200, 205), (230, 200, 200), (200, 220, 195)]
    floor = h * rng.uniform(0.6, 0.72)
    draw.rectangle((0, 0, w, floor), fill=_jitter(rng, walls[int(rng.integers(len(walls)))], 12))
    draw.rectangle((0, floor, w, h), fill=_jitter(rng, (135, 90, 55), 20))
    wx = rng.uniform(0.05, 0.7) * w
    draw.rectangle((wx, h * 0.1, wx + w * 0.22, h * 0.4), fill=(240, 240, 235))
    draw.rectangle((wx + 3, h * 0.1 + 3, wx + w * 0.22 - 3, h * 0.4 - 3), fill=_jitter(rng, (150, 200, 235), 20))
    bx, bw = rng.uniform(0.05, 0.35) * w, rng.uniform(0.45, 0.6) * w
    top = floor - h * rng.uniform(0.22, 0.3)
    draw.rectangle((bx, top, bx + bw, floor + h * 0.12), fill=_jitter(rng, (100, 65, 40), 15))  # headboard
    draw.rectangle((bx + 4, top + h * 0.1, bx + bw - 4, floor + h * 0.2), fill=(240, 238, 232))  # sheet
    for i in range(2):  # pillows
        px = bx + 8 + i * bw / 2
        draw.rounded_rectangle((px, top + h * 0.12, px + bw / 2 - 16, top + h * 0.2), radius=4, fill=(250, 250, 248))
    blanket = _jitter(rng, (60 + int(rng.integers(0, 150)), 80, 60 + int(rng.integers(0, 150))), 20)
    draw.rectangle((bx + 4, top + h * 0.22, bx + bw - 4, floor + h * 0.22), fill=blanket)


SCENES = {BEACH: _beach, FOREST: _forest, DESERT: _desert, BEDROOM: _bedroom}


def paint_scene(image: Image.Image, label: str, rng: np.random.Generator) -> None:
    """Draw one picture of `label` over the whole image, with sensor-like noise."""
    width, height = image.size
    SCENES[label](ImageDraw.Draw(image), rng, width, height)
    pixels = np.asarray(image, np.float32) * rng.uniform(0.85, 1.15)  # exposure
    pixels += rng.normal(0, rng.uniform(2, 8), pixels.shape)
    image.paste(Image.fromarray(pixels.clip(0, 255).astype(np.uint8)))


def scene_painter(label: str, seed: int) -> Painter:
    """A `framewise_dev.media.Segment` painter: the same scene every frame (drawn once per size),
    with fresh sensor noise per frame so that no two frames are equal."""
    scenes: dict[tuple[int, int], np.ndarray] = {}

    def paint(image: Image.Image, frame_index: int) -> None:
        if image.size not in scenes:
            scene = image.copy()
            paint_scene(scene, label, np.random.default_rng(seed))
            scenes[image.size] = np.asarray(scene, np.int16)
        noise = np.random.default_rng([seed, frame_index]).integers(-4, 5, scenes[image.size].shape, np.int16)
        image.paste(Image.fromarray((scenes[image.size] + noise).clip(0, 255).astype(np.uint8)))

    return paint


def scene_image(label: str, rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    image = Image.new("RGB", (width, height))
    paint_scene(image, label, rng)
    return np.array(image)


def draw_batch(rng: np.random.Generator, count: int, short_side: int, recipe: Recipe) -> list[tuple[np.ndarray, int]]:
    """`count` new pictures, the places in turn, drawn `short_side` pixels high: the network sees
    them near the resolution they were drawn at, as it sees video frames decoded near its input size
    (a picture drawn small and scaled up would show it blurred noise it never meets in a video)."""
    targets = _targets()
    samples = []
    for i in range(count):
        aspect = recipe.aspects[int(rng.integers(len(recipe.aspects)))]
        width = round(short_side * aspect)
        samples.append((scene_image(LABELS[i % len(LABELS)], rng, width, short_side), targets[i % len(LABELS)]))
    return samples


def _targets() -> list[int]:
    """The official class index of each label: the network has all 365 outputs, as a real one."""
    categories = read_categories()
    return [categories.index(label) for label in LABELS]


def _batch(samples: list[tuple[np.ndarray, int]], resize: int, crop: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples of mixed sizes through the production preprocessing, one picture at a time."""
    inputs = [preprocess(torch.from_numpy(image)[None], resize, crop) for image, _ in samples]
    return torch.cat(inputs), torch.tensor([target for _, target in samples])


def accuracy(network: torch.nn.Module, samples: list[tuple[np.ndarray, int]]) -> float:
    """Top-1 accuracy through the production preprocessing (256 / 224)."""
    network.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(samples), 32):
            inputs, targets = _batch(samples[i : i + 32], RESIZE, CROP)
            correct += int(network(inputs).argmax(1).eq(targets).sum())
    return correct / len(samples)


def recalibrate(network: torch.nn.Module, samples: list[tuple[np.ndarray, int]]) -> None:
    """Re-estimate the batch-norm statistics at the production input size.

    Fitted at a smaller size, the network's weights carry over to 224 (convolutions and the global
    average pool do not depend on the size) but the running means and variances of its activations
    do not: at 224 the accuracy drops by several points until they are measured again there."""
    for module in network.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # a plain average over the batches below
    network.train()
    with torch.no_grad():
        for i in range(0, len(samples), 32):
            network(_batch(samples[i : i + 32], RESIZE, CROP)[0])
    for module in network.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = 0.1  # torchvision's default, as a saved network has it
    network.eval()


def fit(out: Path, recipe: Recipe = RECIPE) -> dict[str, float]:
    """Fit the network and write it to `out` in the official checkpoint format, with metrics."""
    tv, _ = import_torchvision()
    rng = np.random.default_rng(recipe.seed)
    started = time.perf_counter()
    with torch.random.fork_rng():  # the test process's global RNG is left as it was
        torch.manual_seed(recipe.seed)
        network = tv.models.resnet18(weights=None, num_classes=365)
        optimizer = torch.optim.AdamW(network.parameters(), lr=recipe.lr)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, recipe.lr, total_steps=recipe.steps)
        network.train()
        for step in range(recipe.steps):
            # Fresh pictures every step: drawing is cheap next to a training step, and a network
            # that never sees a picture twice cannot learn one picture's accidents.
            crop = recipe.train_crops[step % len(recipe.train_crops)]
            resize = crop * RESIZE // CROP
            inputs, targets = _batch(draw_batch(rng, recipe.batch, resize, recipe), resize, crop)
            loss = torch.nn.functional.cross_entropy(network(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        recalibrate(network, draw_batch(rng, recipe.recalibrate, RESIZE, recipe))
    seconds = time.perf_counter() - started
    accuracy_at_224 = accuracy(network, draw_batch(rng, recipe.val_pictures, RESIZE, recipe))
    result = {"val_accuracy": accuracy_at_224, "train_seconds": round(seconds, 1)}
    out.mkdir(parents=True, exist_ok=True)
    state = {f"module.{k}": v for k, v in network.state_dict().items()}  # as saved from DataParallel
    torch.save({"epoch": recipe.steps, "arch": "resnet18", "state_dict": state}, out / WEIGHTS_NAME)
    (out / METRICS_NAME).write_text(json.dumps({**result, "labels": list(LABELS), **asdict(recipe)}, indent=2))
    return result


def fitted_places_resnet18(recipe: Recipe = RECIPE) -> Path:
    """The fitted checkpoint (`resnet18_places365.pth.tar`), fitted on first use and cached."""

    def fit_checked(folder: Path) -> None:
        metrics = fit(folder, recipe)
        if metrics["val_accuracy"] < MIN_ACCURACY:
            raise RuntimeError(f"the places classifier fit too poorly to test with: {metrics}")

    return cached_fit("places-scenes", recipe.key(), WEIGHTS_NAME, fit_checked)


def fitted_metrics(recipe: Recipe = RECIPE) -> dict[str, object]:
    """Accuracy and training time of the cached fit (for reports)."""
    return json.loads(fitted_places_resnet18(recipe).with_name(METRICS_NAME).read_text())  # type: ignore[no-any-return]


if __name__ == "__main__":
    if len(sys.argv) == 2:
        print(json.dumps(fit(Path(sys.argv[1]))))
    else:
        print(fitted_places_resnet18(), json.dumps(fitted_metrics()))
