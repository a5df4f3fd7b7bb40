"""The template every model follows: `load` and `predict` do the bookkeeping, subclasses the work."""

import hashlib
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise.domain.provenance import Provenance, config_hash
from framewise.infrastructure.media.fingerprint import fingerprint_file
from framewise_ml.models.config import Config, InvalidConfig, config_change_threshold


class ModelState(StrEnum):
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"  # weights missing or load/warm-up failed; `reason` says which


class BadMedia(Exception):
    """The input cannot be analysed (not a video, truncated, unreadable): a 4xx, never a 5xx."""


@dataclass(frozen=True)
class ModelContext:
    """What every model is built with."""

    cache_dir: Path  # MODEL_CACHE_DIR: weights live under it, one folder per analysis
    device: str = "cpu"  # "cuda" or "cpu", decided once by the registry
    allow_random_weights: bool = False  # ALLOW_RANDOM_WEIGHTS: never silently; provenance says "random"


class MissingWeights(FileNotFoundError):
    """The weights file of a model is not in the cache; `make models` builds the cache. `paths`:
    the files it lacks, so the model's status can name them and notice when they arrive."""

    def __init__(self, message: str, paths: Sequence[Path] = ()) -> None:
        super().__init__(message)
        self.paths = tuple(paths)


def weights_identity(*paths: Path) -> str:
    """The weights' identity for provenance: the first 16 hex digits of the SHA-256 of the files'
    bytes, in the order given (a model whose weights are several files hashes them all)."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    return f"sha256:{digest.hexdigest()[:16]}"


class Identities:
    """The identity of each set of weights a model may read (an engine's, a checkpoint's), hashed
    once: a model with several engines or checkpoints names the one a request chose."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, ...], str] = {}

    def of(self, key: tuple[str, ...], files: Sequence[Path]) -> str:
        """`weights_identity` of `files`, kept under `key`; MissingWeights names any not there."""
        if key not in self._known:
            require_weights(*files)
            self._known[key] = weights_identity(*files)
        return self._known[key]

    def get(self, key: tuple[str, ...]) -> str:
        """The identity kept under `key`, or "none" before it was taken."""
        return self._known.get(key, "none")


def require_weights(*paths: Path) -> None:
    """Raise MissingWeights naming every file that is not there."""
    missing = [p for p in paths if not p.is_file()]
    if missing:
        names = ", ".join(str(p) for p in missing)
        raise MissingWeights(f"weights not found: {names} (run `make models` to build the cache)", missing)


@dataclass
class Prediction:
    items: list[JsonValue]
    decode_ms: float
    inference_ms: float
    frames_analysed: int = 0  # sampled frames the model ran on (the frame analyses)
    frames_reused: int = 0  # sampled frames that looked unchanged and reused the last answer


@dataclass
class ModelStatus:
    state: ModelState = ModelState.LOADING
    reason: str | None = None
    load_ms: float | None = None
    extra: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # FAILED for want of these weights (relative to the cache)


class InferenceModel(ABC):
    """One analysis. Subclasses fill in `_load`, `_warm_up` and `_predict`."""

    name: str  # the endpoint name: objects, faces, transcribe, ocr, places, scenes
    producer: str
    device: str = "cpu"
    selected_by: str | None = None  # why this model serves its analysis, where there is a choice
    chosen: str | None = None  # what OBJECTS_MODEL or PLACES_MODEL picked, where there is a choice
    config_keys: frozenset[str] = frozenset()  # the settings its config may name

    def __init__(self, ctx: ModelContext | None = None) -> None:
        self.ctx = ctx or ModelContext(cache_dir=Path("models"))
        self.status = ModelStatus()

    @property
    @abstractmethod
    def producer_version(self) -> str: ...

    @property
    def weights(self) -> str:
        """`weights_identity(file)` of the loaded weights, "random" when allowed and used, "none"."""
        return "none"

    @property
    def options(self) -> dict[str, JsonValue]:
        """The service settings this model runs with, where they change what it answers (`/health`
        shows them): the faces model's `recognition`."""
        return {}

    def load(self) -> None:
        started = time.perf_counter()
        try:
            self._load()
            self._warm_up()
        except MissingWeights as exc:
            self.status = self._missing(exc) if exc.paths else ModelStatus(ModelState.FAILED, f"MissingWeights: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - a model that cannot load is reported, not fatal
            self.status = ModelStatus(ModelState.FAILED, f"{type(exc).__name__}: {exc}")
            return
        self.status = ModelStatus(ModelState.READY, load_ms=round((time.perf_counter() - started) * 1000, 1))

    def _missing(self, exc: MissingWeights) -> ModelStatus:
        """FAILED for want of weights: the reason names each file, relative to the model cache."""
        cache = self.ctx.cache_dir
        missing = [str(p.relative_to(cache)) if p.is_relative_to(cache) else str(p) for p in exc.paths]
        reason = (
            f"weights {', '.join(missing)} missing from the model cache ({cache}): run `make models` or copy "
            "them there; they are loaded when they arrive, without a restart"
        )
        return ModelStatus(ModelState.FAILED, reason, missing=missing)

    def weights_arrived(self) -> bool:
        """FAILED for want of weights that are all there now (a few stats): worth loading again."""
        missing = self.status.missing
        cache = self.ctx.cache_dir
        return self.status.state is ModelState.FAILED and bool(missing) and all((cache / m).is_file() for m in missing)

    def predict(self, request: InferenceRequest, path: Path) -> Prediction:
        return self._predict(request, path)

    def refuse_unknown(self, config: Config) -> None:
        """InvalidConfig naming the first key that is not one of this model's settings."""
        unknown = sorted(set(config) - self.config_keys)
        if unknown:
            known = ", ".join(sorted(self.config_keys)) or "none"
            raise InvalidConfig(f"config {unknown[0]} is not a setting of {self.name} (its settings: {known})")

    def check_config(self, config: Config) -> Provenance:
        """What a request with `config` would run, without running it: the provenance it would get
        (input and run left blank), or InvalidConfig naming the first key this model refuses."""
        self.refuse_unknown(config)
        self._check(config)
        return self.provenance(InferenceRequest(video_path="/", config=config), Path("/"), input_hash="-")

    def _check(self, config: Config) -> None:  # noqa: B027 - a model without settings has nothing to check
        """Read `config` as a request would (InvalidConfig when a value is refused)."""

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        skips = "change_threshold" in self.config_keys  # the analyses that reuse an unchanged frame's answer
        return Provenance(
            producer=self.producer,
            producer_version=self.producer_version,
            model_profile=str(request.config.get("profile", "balanced")),
            config_hash=config_hash(request.config),
            input_hash=input_hash or fingerprint_file(path),
            run_id=uuid.uuid4().hex,
            device=self.device,
            weights=self.weights,
            change_threshold=config_change_threshold(request.config) if skips else None,
        )

    @abstractmethod
    def _load(self) -> None: ...

    def _warm_up(self) -> None:  # noqa: B027 - optional hook: most models warm up, some need not
        """Run one inference on generated input so the first real request pays no set-up cost."""

    @abstractmethod
    def _predict(self, request: InferenceRequest, path: Path) -> Prediction: ...


class MissingModel(InferenceModel):
    """An analysis this installation cannot run; reported failed with the reason, answers 503."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__()
        self.name, self.producer, self._reason = name, name, reason

    @property
    def producer_version(self) -> str:
        return "none"

    def _load(self) -> None:
        raise RuntimeError(self._reason)

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        raise RuntimeError(self._reason)
