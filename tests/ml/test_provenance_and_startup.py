"""Every answer of `POST /infer/{endpoint}` from the real ML service, with the real models loaded,
carries complete provenance: the hash of the config it was sent (whatever the order of its keys),
the fingerprint of the file it read, a run id of its own, and the producer, version, weights and
device `/health` reports for that model; its items pass their payload schema and lie inside the
window asked for, and the answer is kept for its job. A config a model refuses is a 422 problem
document and nothing is kept. The scenes analysis finds every cut within a frame; REQUIRE_GPU
refuses to start without CUDA."""

import json
import math
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from pydantic import JsonValue
from redis import Redis

from framewise.contracts.ml import InferenceRequest, InferenceResponse, ml_result_key
from framewise.domain.analyses import CATALOGUE, Analysis
from framewise.domain.payloads import FramePayload, SceneV1
from framewise.domain.provenance import Provenance, canonical_json, config_hash
from framewise.infrastructure.media.fingerprint import fingerprint_file
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.choice import objects_model, places_model
from framewise_ml.models.config import CHANGE_THRESHOLD
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.ocr import OcrModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.ml
TOKEN = "provenance-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 100  # per analysis: 600 requests in all, and the twins
LONGEST_WINDOW_MS = 1000  # every request reads at most this much video: 600 requests stay cheap on a CPU
SHORTER_SIDE_PX = 240  # the analysis video is 320 x 240


# -- what each model reads from its config ------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """One config key a model reads: values it takes (None: none in this installation) and values
    it refuses with a 422."""

    valid: st.SearchStrategy[JsonValue] | None
    invalid: st.SearchStrategy[JsonValue]


NOT_A_NUMBER: st.SearchStrategy[JsonValue] = (
    st.booleans() | st.none() | st.text(max_size=4) | st.lists(st.integers(0, 9), min_size=1, max_size=2)
)


def number(low: float, high: float, *, integer: bool = False, cheap: tuple[int, int] | None = None) -> Knob:
    """A number in [low, high] (`config_number`, or `config_int` when `integer`); `cheap` narrows the
    valid values drawn to those that keep an inference short."""
    lo, hi = cheap or (low, high)
    valid: st.SearchStrategy[JsonValue] = st.nothing()
    if math.ceil(lo) <= math.floor(hi):
        valid |= st.integers(math.ceil(lo), math.floor(hi))
    if not integer:
        valid |= st.floats(lo, hi)
    outside = (
        st.floats(max_value=low, exclude_max=True, allow_nan=False, allow_infinity=False)
        | st.floats(min_value=high, exclude_min=True, allow_nan=False, allow_infinity=False)
        | st.sampled_from([math.floor(low) - 1, math.ceil(high) + 1])
    )
    if integer:  # config_int takes no float, not even an integral one
        outside |= st.sampled_from([low + 0.5, float(low), float(high)])
    return Knob(valid, NOT_A_NUMBER | outside)


def choice(*values: str, invalid: tuple[str, ...] = ("", "FAST", "turbo", "klingon")) -> Knob:
    return Knob(st.sampled_from(values), st.sampled_from(invalid) | st.integers() | st.none() | st.just(list(values)))


def flag() -> Knob:
    return Knob(st.booleans(), st.integers(0, 1) | st.none() | st.sampled_from(["true", "false", "yes"]))


def strings(*allowed: str, unique: bool = False) -> Knob:
    """A non-empty list of strings from `allowed`, or one of them on its own (`config_strings`)."""
    valid = st.sampled_from(allowed) | st.lists(st.sampled_from(allowed), min_size=1, max_size=3, unique=unique)
    unknown = st.sampled_from(["", "klingon", "unicorn", allowed[0].upper()])
    invalid = (
        st.just([])
        | unknown
        | st.lists(unknown, min_size=1, max_size=2)
        | st.just([allowed[0], "unicorn"])
        | st.integers()
        | st.none()
    )
    return Knob(valid, invalid)


def refused(*values: JsonValue) -> Knob:
    """A key this installation's model refuses whatever its value."""
    return Knob(None, st.sampled_from(values))


PROFILES = ("fast", "balanced", "accurate")
# The keys each model reads (ml-service/src/framewise_ml/models/*.py), with its bounds. The objects
# and places models are those an installation without YOLO11 and Places365 weights runs (the cache
# `make models --offline` builds): yolov3-tiny and EfficientNet-Lite0; the fixture checks it.
KNOBS: dict[str, dict[str, Knob]] = {
    "objects": {
        "profile": choice(*PROFILES),
        "imgsz": Knob(
            st.sampled_from(range(128, 641, 32)), NOT_A_NUMBER | st.sampled_from([96, 100, 200, 1056, 416.0])
        ),
        "interval_ms": number(100, 600_000, integer=True, cheap=(100, 3000)),
        "confidence": number(0.2, 1.0),
        "iou": number(0.05, 0.95),
        "max_detections": number(1, 1000, integer=True),
        "batch": number(1, 64, integer=True),
        "classes": strings("person", "cat", "cup", "dog", "tv", "dining table"),
        "change_threshold": number(0.0, 255.0),
        "model": refused("yolo11n.pt", "yolo11s", "../yolo11n.pt"),  # no YOLO11 checkpoint here
    },
    "faces": {
        "interval_ms": number(100, 600_000, integer=True, cheap=(100, 3000)),
        "confidence": number(0.0, 1.0),
        # Above the frame's shorter side no face fits: an empty answer (MTCNN is not asked).
        "min_face_size": number(12, 2000, integer=True, cheap=(12, 2 * SHORTER_SIDE_PX)),
        "batch": number(1, 64, integer=True),
        "change_threshold": number(0.0, 255.0),
    },
    "transcribe": {
        "engine": choice("auto", "faster-whisper", "openai-whisper"),
        "profile": choice(*PROFILES),
        "language": choice("en", "auto", "de", "fr", "es", "ja", invalid=("", "EN", "english", "xx", "klingon")),
        "word_timestamps": flag(),
        "speakers": flag(),
    },
    "ocr": {
        "engine": choice("auto", "rapidocr", "easyocr"),
        "interval_ms": number(200, 600_000, integer=True, cheap=(200, 3000)),
        # A language named twice is read once.
        "languages": strings("en"),
        "confidence": number(0.0, 1.0),
        # 0 is the frame's own size; 1 to 31 are refused (a canvas that small reads nothing).
        "canvas_size": Knob(
            st.just(0) | st.integers(32, 480), number(0, 2560, integer=True).invalid | st.integers(1, 31)
        ),
        "change_threshold": number(0.0, 255.0),
    },
    "places": {
        "profile": choice(*PROFILES),
        "interval_ms": number(100, 600_000, integer=True, cheap=(100, 3000)),
        "top_k": number(1, 10, integer=True),
        "batch": number(1, 64, integer=True),
        "min_confidence": number(0.0, 1.0),
        "change_threshold": number(0.0, 255.0),
        "model": refused("resnet18_places365.pth.tar", "../resnet50.pth.tar", 7),  # no Places365 here
    },
    "scenes": {
        "threshold": number(1.0, 255.0),
        "hue_threshold": number(1.0, 255.0),
        "min_scene_len_frames": number(1, 10_000, cheap=(1, 100)),
    },
}
KNOWN_KEYS = {key for knobs in KNOBS.values() for key in knobs}
# Keys no model reads: they change the config (and its hash), never the answer.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
unknown_entries = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda k: k not in KNOWN_KEYS), json_values, min_size=1, max_size=2
)


@dataclass(frozen=True)
class Call:
    analysis: Analysis
    config: dict[str, JsonValue]
    refused: str | None  # the key its model refuses (not one of its settings, or a value it refuses), if any
    start_ms: int | None
    end_ms: int | None
    twin: bool  # also send the config with its keys in reverse order

    def body(self, video: Path, config: dict[str, JsonValue], task_id: uuid.UUID | None, attempt: int) -> dict:
        body: dict = {"video_path": str(video), "config": config}
        if task_id is not None:
            body |= {"task_id": str(task_id), "attempt": attempt}
        if self.start_ms is not None:
            body["start_ms"] = self.start_ms
        if self.end_ms is not None:
            body["end_ms"] = self.end_ms
        return body


def windows(duration_ms: int, frame_ms: float) -> st.SearchStrategy[tuple[int | None, int | None]]:
    """A short window inside the video: both ends, or only the start near the end, or only the end
    near the start. It may hold no frame start at all, or too little audio to transcribe; it may
    be shorter than a frame and start inside the last frame."""
    last_start = duration_ms - 1
    length = st.integers(1, LONGEST_WINDOW_MS)
    both = st.tuples(st.integers(0, last_start), length).map(lambda s: (s[0], min(s[0] + s[1], duration_ms)))
    start_only = st.integers(duration_ms - LONGEST_WINDOW_MS, last_start).map(lambda s: (s, None))
    end_only = length.map(lambda e: (None, e))
    return both | start_only | end_only


@st.composite
def calls(draw: st.DrawFn, analysis: Analysis, duration_ms: int, frame_ms: float) -> Call:
    knobs = KNOBS[analysis.endpoint]
    config = {key: draw(knob.valid) for key, knob in knobs.items() if knob.valid is not None and draw(st.booleans())}
    # About one call in six gives a key a value its model refuses, one in three adds unknown keys
    # (refused before any value is read: the first of them is named), and one in three answered is
    # sent again as its twin (hypothesis favours 0: 0 is the plain case).
    bad = draw(st.sampled_from(sorted(knobs))) if draw(st.integers(0, 4)) == 3 else None
    if bad is not None:
        config[bad] = draw(knobs[bad].invalid)
    if draw(st.integers(0, 2)) == 1:
        unknown = draw(unknown_entries)
        config |= unknown
        bad = sorted(unknown)[0]
    ordered = draw(st.permutations(list(config.items())))
    start_ms, end_ms = draw(windows(duration_ms, frame_ms))
    return Call(analysis, dict(ordered), bad, start_ms, end_ms, twin=len(config) > 1 and draw(st.integers(0, 2)) == 1)


# -- the service --------------------------------------------------------------------------------


@dataclass
class Service:
    client: TestClient
    video: Path
    duration_ms: int
    frame_ms: float
    valkey: Redis
    run_ids: set[str]
    hashes: dict[str, str]  # canonical config -> config_hash answered for it


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, analysis_video: SampleVideo, model_cache: Path, valkey_url: str
) -> Iterator[Service]:
    """The real ML app, all six real models loaded by its lifespan, the analysis video in its root."""
    assert min(analysis_video.width, analysis_video.height) == SHORTER_SIDE_PX
    root = tmp_path_factory.mktemp("provenance-media").resolve()
    video = root / "analysis.mp4"
    shutil.copy(analysis_video.path, video)
    ctx = ModelContext(model_cache)
    models = [
        objects_model(ctx),
        FacesModel(ctx),
        TranscribeModel(ctx),
        OcrModel(ctx),
        places_model(ctx),
        ScenesModel(),
    ]
    registry = ModelRegistry(models, device={"device": "cpu", "reason": "the tests run on the CPU"})
    settings = MlSettings(media_roots=[str(root)], ml_token=TOKEN, valkey_url=valkey_url)  # type: ignore[arg-type]
    valkey = Redis.from_url(valkey_url)
    with TestClient(create_app(settings, registry)) as client:
        health = client.get("/health").json()
        assert health["status"] == "healthy", health
        assert {name: m["producer"] for name, m in health["models"].items() if name in ("objects", "places")} == {
            "objects": "yolov3-tiny",
            "places": "efficientnet-lite0-imagenet",
        }, "KNOBS describes the models of an installation without YOLO11 and Places365 weights"
        yield Service(client, video, analysis_video.duration_ms, 1000 / analysis_video.fps, valkey, set(), {})
    valkey.close()


def inside(analysis: Analysis, item: JsonValue, start_ms: int | None, end_ms: int | None, frame_ms: float) -> bool:
    """A frame item's time in [start_ms, end_ms) (frames are sampled half-open); a transcript
    segment's span, words included, and a scene in [start_ms, end_ms] (a scene is kept inside the
    window asked for)."""
    payload = analysis.payload.model_validate(item)  # the answer's own schema
    low, high = payload.span_ms()
    spans = [(low, high)] + [(w.start_ms, w.end_ms) for w in getattr(payload, "words", None) or []]
    slack = 0.0
    after_start = all(a >= (start_ms or 0) - slack for a, _ in spans)
    if end_ms is None:
        return after_start
    before_end = high < end_ms if isinstance(payload, FramePayload) else all(b <= end_ms + slack for _, b in spans)
    return after_start and before_end


# -- the property -------------------------------------------------------------------------------


def post(service: Service, call: Call, config: dict[str, JsonValue], task_id: uuid.UUID | None, attempt: int) -> tuple:
    response = service.client.post(
        f"/infer/{call.analysis.endpoint}", json=call.body(service.video, config, task_id, attempt), headers=AUTH
    )
    return response.status_code, response.headers["content-type"], response.json()


def check_answer(service: Service, call: Call, config: dict[str, JsonValue], body: dict) -> None:
    analysis = call.analysis
    provenance = dict(body["provenance"])
    assert set(provenance) == set(Provenance.model_fields)
    threshold = provenance.pop("change_threshold")
    assert all(isinstance(value, str) and value.strip() for value in provenance.values()), provenance
    # The frame analyses name the change threshold they ran with (the config's, or the default).
    skips = analysis.endpoint in ("objects", "faces", "ocr", "places")
    assert threshold == (config.get("change_threshold", CHANGE_THRESHOLD) if skips else None)
    answer = InferenceResponse.model_validate(body)
    assert answer.task_type == analysis.task_type
    assert (answer.start_ms, answer.end_ms) == (call.start_ms, call.end_ms)
    # The config's hash is the hash of what was sent, and a function of the config alone.
    expected = config_hash(config)
    assert provenance["config_hash"] == expected
    assert service.hashes.setdefault(canonical_json(config), expected) == expected
    # The input's hash is the fingerprint of the file read.
    assert provenance["input_hash"] == fingerprint_file(service.video) and provenance["input_hash"].startswith("fw1:")
    # Each run is its own.
    assert provenance["run_id"] not in service.run_ids
    service.run_ids.add(provenance["run_id"])
    # What served it is what /health says serves that analysis.
    health = service.client.get("/health").json()
    model = health["models"][analysis.endpoint]
    engine = config.get("engine", "auto")
    default_engine = engine in ("auto", model["producer"])
    # Without speaker turns, transcription runs the engine alone (/health names it with the voice encoder).
    unvoiced = analysis.endpoint == "transcribe" and config.get("speakers") is False
    if default_engine and not unvoiced:  # what /health names
        assert (provenance["producer"], provenance["producer_version"]) == (model["producer"], model["version"])
    elif default_engine:
        assert provenance["producer"] == model["producer"]
        assert model["version"] == f"{provenance['producer_version']}+resemblyzer-0.1.4", (provenance, model)
    else:  # the engine the request chose
        assert provenance["producer"] == engine and provenance["producer_version"].startswith(f"{engine}-")
    if analysis.endpoint == "transcribe" and ({"profile", "language"} & set(config) or unvoiced):
        # The checkpoint the request's profile and language chose: /health names the default one.
        assert provenance["weights"].startswith("sha256:"), provenance
    elif default_engine:
        assert provenance["weights"] == model["weights"]
    else:  # the other engine's own weights
        assert provenance["weights"].startswith("sha256:") and provenance["weights"] != model["weights"]
    assert provenance["device"] == health["device"]["device"]
    if "profile" in KNOBS[analysis.endpoint] and "profile" in config:
        assert provenance["model_profile"] == config["profile"]
    # Every item passes its analysis's schema and lies inside the window asked for.
    for item in answer.items:
        assert inside(analysis, item, call.start_ms, call.end_ms, service.frame_ms), (call.start_ms, call.end_ms, item)


@pytest.mark.property
@pytest.mark.integration
@pytest.mark.parametrize("analysis", CATALOGUE, ids=lambda a: a.endpoint)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no explain phase: each run is dear
)
@given(data=st.data())
def test_every_infer_answer_carries_its_provenance_and_items_inside_the_window(
    service: Service, analysis: Analysis, data: st.DataObject
) -> None:
    call = data.draw(calls(analysis, service.duration_ms, service.frame_ms), label="call")
    event("refused" if call.refused else "answered with a twin" if call.twin else "answered")
    task_id, attempt = uuid.uuid4(), data.draw(st.integers(1, 3), label="attempt")
    kept = ml_result_key(task_id, attempt)
    status, content_type, body = post(service, call, call.config, task_id, attempt)
    if call.refused is not None:
        assert (status, content_type) == (422, "application/problem+json"), body
        assert body["type"].endswith("/invalid-config") and body["status"] == 422
        assert f"config {call.refused}" in body["detail"], body
        assert service.valkey.get(kept) is None  # nothing kept for a job that was refused
        return
    assert status == 200, body
    check_answer(service, call, call.config, body)
    assert json.loads(service.valkey.get(kept) or b"{}") == body  # kept for its job, as answered
    if call.twin:  # the same config, its keys in reverse order: the same hash, another run
        twin = dict(reversed(list(call.config.items())))
        status, _, again = post(service, call, twin, None, 1)
        assert status == 200, again
        check_answer(service, call, twin, again)
        assert again["provenance"]["config_hash"] == body["provenance"]["config_hash"]
        assert again["provenance"]["run_id"] != body["provenance"]["run_id"]


def test_every_cut_is_found_within_one_frame_hue_only_included(analysis_video: SampleVideo) -> None:
    model = ScenesModel()
    model.load()
    request = InferenceRequest(video_path=str(analysis_video.path))
    scenes = [SceneV1.model_validate(item) for item in model.predict(request, analysis_video.path).items]
    assert scenes[0].start_ms == 0 and scenes[-1].end_ms == analysis_video.duration_ms
    starts = [s.start_ms for s in scenes[1:]]
    assert len(starts) == len(analysis_video.cut_ms())  # the hue-only cut (shot 2 -> 3) is among them
    for found, expected in zip(starts, analysis_video.cut_ms(), strict=True):
        assert abs(found - expected) <= 1000 / analysis_video.fps


def test_require_gpu_refuses_to_start_without_cuda(tmp_path: Path) -> None:
    registry = ModelRegistry([ScenesModel()], device={"device": "cpu", "reason": "CUDA not available"})
    app = create_app(MlSettings(media_roots=[str(tmp_path)], require_gpu=True), registry)
    with pytest.raises(RuntimeError, match="REQUIRE_GPU"), TestClient(app):
        pass
