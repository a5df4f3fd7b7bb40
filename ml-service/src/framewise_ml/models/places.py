"""Place classification with a Places365 ResNet, in the format of the CSAILVision release.

The official checkpoints (`resnet18_places365.pth.tar`, `resnet50_places365.pth.tar`) are training
checkpoints: a dict with `epoch`, `arch` and a `state_dict` saved from `DataParallel`, so every key
carries a `module.` prefix. They are loaded with `weights_only=True` (a checkpoint is data, never
code), stripped of the prefix and loaded strictly into `torchvision.models.<arch>(num_classes=365)`,
so a file of the wrong shape fails at start-up with the offending tensors named rather than
producing nonsense. The 365 labels ship with this package (`data/places365_categories.txt`, the
official file byte for byte); a checkpoint may instead carry its own `classes` list.

Frames are sampled at an interval, decoded already scaled near the network's input (the decoder's
scaler is cheaper than converting full-size frames to RGB and resizing them after), then batched and
preprocessed in torch as the official demo does with PIL: shorter side to 256 (antialiased), centre
crop 224, ImageNet mean and standard deviation.
"""

import functools
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise.domain.provenance import Provenance
from framewise_ml.compat.torchvision_nms import import_torchvision
from framewise_ml.media.change import UnchangedFrames
from framewise_ml.media.frames import RGB, Frame, batched, probe_video, sample_frames
from framewise_ml.models.base import (
    InferenceModel,
    MissingWeights,
    ModelContext,
    Prediction,
    require_weights,
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
)

CATEGORIES_FILE = Path(__file__).with_name("data") / "places365_categories.txt"
WEIGHTS_FOLDER = "places365"
CHECKPOINT_SUFFIX = ".pth.tar"
PROFILES = {"fast": "resnet18", "balanced": "resnet18", "accurate": "resnet50"}
DEFAULT_PROFILE = "fast"
RESIZE, CROP = 256, 224  # the official demo: Resize(256), CenterCrop(224)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

# (blocks per stage, bottleneck blocks?) -> torchvision architecture, to name the network of a bare
# state_dict, which carries no `arch`.
ARCHES = {
    ((2, 2, 2, 2), False): "resnet18",
    ((3, 4, 6, 3), False): "resnet34",
    ((3, 4, 6, 3), True): "resnet50",
    ((3, 4, 23, 3), True): "resnet101",
    ((3, 8, 36, 3), True): "resnet152",
}


def readable_label(path: str) -> str:
    """`/a/airfield` -> `airfield`, `/f/forest/broadleaf` -> `forest/broadleaf` (as the official
    demo does: the letter folder goes, the sub-category stays)."""
    parts = path.strip("/").split("/")
    if len(parts) > 1 and len(parts[0]) == 1:
        parts = parts[1:]
    return "/".join(parts)


@functools.cache
def read_categories(path: Path = CATEGORIES_FILE) -> tuple[str, ...]:
    """The labels in class-index order, checked: `label index` lines numbered 0, 1, 2..."""
    labels: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        name, _, index = line.strip().rpartition(" ")
        if not name or index != str(len(labels)):
            raise ValueError(f"{path.name}: line {len(labels) + 1} is not '<label> {len(labels)}': {line!r}")
        labels.append(readable_label(name))
    return tuple(labels)


def preprocess(
    images: torch.Tensor,
    resize: int = RESIZE,
    crop: int = CROP,
    mean: tuple[float, float, float] = MEAN,
    std: tuple[float, float, float] = STD,
) -> torch.Tensor:
    """uint8 frames (batch, height, width, 3) -> normalised float (batch, 3, crop, crop).

    Shorter side to `resize` with antialiasing (as PIL resizes), centre crop, normalisation by
    `mean` and `std` of values in [0, 1] (ImageNet's by default): one vectorised pass over the
    batch on whatever device the frames are on."""
    x = images.permute(0, 3, 1, 2).float().div_(255.0)
    height, width = x.shape[-2:]
    scale = resize / min(height, width)
    size = (max(crop, int(height * scale)), max(crop, int(width * scale)))
    if size != (height, width):
        x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    top, left = round((size[0] - crop) / 2), round((size[1] - crop) / 2)
    x = x[:, :, top : top + crop, left : left + crop]
    shift = torch.tensor(mean, device=x.device).view(1, 3, 1, 1)
    spread = torch.tensor(std, device=x.device).view(1, 3, 1, 1)
    return (x - shift) / spread


def infer_arch(state: Mapping[str, torch.Tensor]) -> str:
    """The torchvision ResNet a state_dict fits, from its block counts."""
    counts = [len({k.split(".")[1] for k in state if k.startswith(f"layer{i}.")}) for i in range(1, 5)]
    blocks = (counts[0], counts[1], counts[2], counts[3])
    bottleneck = any(k.endswith(".conv3.weight") for k in state)
    try:
        return ARCHES[(blocks, bottleneck)]
    except KeyError:
        raise ValueError(f"not a torchvision ResNet state_dict (blocks per stage {blocks})") from None


@dataclass(frozen=True)
class Checkpoint:
    arch: str
    state_dict: dict[str, torch.Tensor]
    classes: tuple[str, ...] | None  # None: the official 365 categories


def read_checkpoint(path: Path) -> Checkpoint:
    """An official Places365 checkpoint (`{"arch", "state_dict": {"module.…"}}`), the same with a
    `classes` list, or a bare state_dict; `module.` prefixes stripped."""
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{path.name} is not a readable torch checkpoint: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path.name} holds a {type(raw).__name__}, not a checkpoint dict")
    state = raw.get("state_dict", raw)
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path.name} has no state_dict of tensors")
    state = {str(k).removeprefix("module."): v for k, v in state.items()}
    arch = raw.get("arch")
    if arch is None:
        arch = infer_arch(state)
    if arch not in ARCHES.values():
        raise ValueError(f"{path.name}: arch {arch!r} is not a torchvision ResNet")
    classes = raw.get("classes")
    if classes is not None and (
        not isinstance(classes, list | tuple) or not classes or not all(isinstance(c, str) and c for c in classes)
    ):
        raise ValueError(f"{path.name}: classes must be a non-empty list of labels")
    return Checkpoint(str(arch), state, tuple(classes) if classes is not None else None)


LABEL_SET = "places365"


@dataclass(frozen=True)
class Classifier:
    """One loaded network, ready for inference."""

    network: torch.nn.Module
    labels: tuple[str, ...]  # of the classes reported, in the order of `classes` (or of the outputs)
    arch: str
    weights: str  # weights_identity of the file, or "random"
    label_set: str = LABEL_SET  # named in every payload: which vocabulary the labels come from
    classes: torch.Tensor | None = None  # the outputs reported (a subset), or None for all of them
    mean: tuple[float, float, float] = MEAN
    std: tuple[float, float, float] = STD


def build_classifier(path: Path | None, arch: str, device: str) -> Classifier:
    """The network of the checkpoint at `path`, or a random `arch` with 365 classes if `path` is None."""
    tv, _ = import_torchvision()  # never a bare `import torchvision` (docs/design/ml-service.md)
    if path is None:
        labels, state, weights = read_categories(), None, "random"
    else:
        checkpoint = read_checkpoint(path)
        arch, state, weights = checkpoint.arch, checkpoint.state_dict, weights_identity(path)
        labels = checkpoint.classes or read_categories()
    network: torch.nn.Module = getattr(tv.models, arch)(weights=None, num_classes=len(labels))
    if state is not None:
        try:
            network.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            detail = " ".join(str(exc).split())
            raise ValueError(
                f"{path.name if path else arch} does not fit {arch} with {len(labels)} classes: {detail}"
            ) from exc
    return Classifier(network.eval().to(device), labels, arch, weights)


@dataclass(frozen=True)
class _Settings:
    interval_ms: int
    top_k: int
    batch: int
    min_confidence: float
    change_threshold: float


class PlacesModel(InferenceModel):
    """`POST /infer/places`: top-k Places365 categories for one frame per sampling interval."""

    name = "places"
    producer = "places365"
    config_keys = frozenset({"profile", "model", "interval_ms", "top_k", "batch", "min_confidence", "change_threshold"})
    default_min_confidence = 0.0  # every sampled frame gets its top-k of the 365 scene categories

    def __init__(self, ctx: ModelContext) -> None:
        super().__init__(ctx)
        self.device = ctx.device
        self._lock = threading.Lock()
        self._loaded: dict[str, Classifier] = {}  # by file path, or "random:<arch>"
        self._default: Classifier | None = None

    @property
    def folder(self) -> Path:
        return self.ctx.cache_dir / WEIGHTS_FOLDER

    @property
    def producer_version(self) -> str:
        return self._version(self._default.arch if self._default else PROFILES[DEFAULT_PROFILE])

    @property
    def weights(self) -> str:
        return self._default.weights if self._default else "none"

    @staticmethod
    def _version(arch: str) -> str:
        try:
            return f"torchvision-{version('torchvision')}/{arch}"
        except PackageNotFoundError:
            return f"torchvision-unknown/{arch}"

    def _weights_file(self, config: Config) -> tuple[Path, str]:
        """The checkpoint a config asks for and the architecture expected of it (ValueError -> 422)."""
        profile = config_choice(config, "profile", DEFAULT_PROFILE, list(PROFILES))
        arch = PROFILES[profile]
        name = config.get("model")
        if name is None:
            return self.folder / f"{arch}_places365{CHECKPOINT_SUFFIX}", arch
        if (
            not isinstance(name, str)
            or Path(name).name != name
            or name.startswith(".")
            or not name.endswith(CHECKPOINT_SUFFIX)
            or not (self.folder / name).is_file()
        ):
            raise InvalidConfig(f"config model must name a *{CHECKPOINT_SUFFIX} file in the places365 weights folder")
        return self.folder / name, arch

    def classifier(self, config: Config) -> Classifier:
        """The network for this config, loaded on first use and kept (one per weights file)."""
        path, arch = self._weights_file(config)
        use_random = not path.is_file() and self.ctx.allow_random_weights and config.get("model") is None
        key = f"random:{arch}" if use_random else str(path)
        if loaded := self._loaded.get(key):  # the common case, without waiting on a load in progress
            return loaded
        with self._lock:
            if key not in self._loaded:
                if not use_random:
                    require_weights(path)
                self._loaded[key] = build_classifier(None if use_random else path, arch, self.device)
            return self._loaded[key]

    def _load(self) -> None:
        self._default = self.classifier({})

    def _warm_up(self) -> None:
        if self._default is not None:
            self._classify(self._default, [Frame(0, 0, np.zeros((CROP, CROP, 3), np.uint8))], 1, 0.0)

    def _settings(self, config: Config) -> _Settings:
        return _Settings(
            interval_ms=config_int(config, "interval_ms", 2000, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
            top_k=config_int(config, "top_k", 5, 1, 10),
            batch=config_int(config, "batch", 16, 1, 64),
            min_confidence=config_number(config, "min_confidence", self.default_min_confidence, 0.0, 1.0),
            change_threshold=config_change_threshold(config),
        )

    def _wanted(self, config: Config) -> tuple[_Settings, Classifier]:
        settings = self._settings(config)
        try:
            return settings, self.classifier(config)
        except MissingWeights as exc:  # a profile this installation has no weights for: the request's fault
            raise InvalidConfig(f"config asks for weights that are not installed: {exc}") from exc

    def _check(self, config: Config) -> None:
        self._wanted(config)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        settings, classifier = self._wanted(request.config)
        info = probe_video(path)
        # Decode straight to about RESIZE on the shorter side (the resize below then barely moves it).
        max_side = math.ceil(RESIZE * max(info.width, info.height) / max(1, min(info.width, info.height)))
        frames = sample_frames(
            path, interval_ms=settings.interval_ms, start_ms=request.start_ms, end_ms=request.end_ms, max_side=max_side
        )
        items: list[JsonValue] = []
        decode_s = infer_s = 0.0
        unchanged = UnchangedFrames(settings.change_threshold)
        for batch, seconds in batched(unchanged.fresh(frames), settings.batch):
            decode_s += seconds
            infer_s += self._run(classifier, batch, settings, items)
        return unchanged.prediction(items, decode_s, infer_s)

    def _run(self, classifier: Classifier, frames: list[Frame], settings: _Settings, items: list[JsonValue]) -> float:
        started = time.perf_counter()
        items.extend(self._classify(classifier, frames, settings.top_k, settings.min_confidence))
        return time.perf_counter() - started

    def _classify(
        self, classifier: Classifier, frames: list[Frame], top_k: int, min_confidence: float
    ) -> list[JsonValue]:
        """One batch: a PlaceClassificationV1 payload per frame whose best label reaches
        `min_confidence` (a frame with none is left out: the schema wants at least one)."""
        images: list[RGB] = [f.image for f in frames]
        with torch.inference_mode():
            batch = torch.from_numpy(np.stack(images)).to(self.device)
            probabilities = classifier.network(preprocess(batch, mean=classifier.mean, std=classifier.std)).softmax(
                dim=1
            )
            if classifier.classes is not None:  # the probability of each reported class among all outputs
                probabilities = probabilities[:, classifier.classes.to(probabilities.device)]
            scores, indices = probabilities.topk(min(top_k, probabilities.shape[1]), dim=1)
        items: list[JsonValue] = []
        for frame, row_scores, row_indices in zip(frames, scores.tolist(), indices.tolist(), strict=True):
            predictions: list[JsonValue] = [
                {"label": classifier.labels[i], "confidence": round(min(1.0, max(0.0, s)), 6)}
                for s, i in zip(row_scores, row_indices, strict=True)
                if s >= min_confidence
            ]
            if predictions:
                items.append(
                    {
                        "frame_index": frame.index,
                        "timestamp_ms": frame.timestamp_ms,
                        "predictions": predictions,
                        "label_set": classifier.label_set,
                    }
                )
        return items

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        """The base provenance, told which network served this request: a profile or `model` picks
        a file per request, so the weights and version are not the default model's."""
        classifier = self.classifier(request.config)
        base = super().provenance(request, path, input_hash)
        return base.model_copy(
            update={
                "producer_version": self._version(classifier.arch),
                "model_profile": str(request.config.get("profile", DEFAULT_PROFILE)),
                "weights": classifier.weights,
            }
        )
