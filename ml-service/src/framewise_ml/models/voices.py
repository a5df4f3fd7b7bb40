"""Speaker turns: who speaks in each stretch of a transcript, as a voice embedding.

resemblyzer's voice encoder (a 3-layer LSTM over 40-band mel frames, trained for speaker
verification; its `pretrained.pt` ships inside the wheel and `make models` copies it to
MODEL_CACHE_DIR/voices/) maps speech to 256 numbers, L2-normed. A stretch of speech is embedded as
resemblyzer embeds an utterance: the mean of its 1.6 s partials (half overlapping), normalised.
Two sentences of one espeak-ng voice lie at a cosine of about 0.75-0.9, two voices at 0.4-0.7;
below about a second of speech the embedding says little (see docs/design/speakers.md).

Each transcript segment is one turn unless the voice changes inside it: at a pause between two
words (PAUSE_MS or more) where the speech just before and just after it (up to CONTEXT_MS each,
at least MIN_SIDE_MS) sound unlike (below SAME_VOICE), the longest such pause, the segment is
split into two items; each part is looked at again. A turn's `voice` is its speech's embedding; a turn with less than
MIN_VOICED_MS of speech gets none (too short to tell).

The mel frames are resemblyzer's (librosa's mel filters, power spectrogram, 25 ms windows every
10 ms), computed with torch's STFT on the filters built once: the same numbers, without
rebuilding the filters on every call.
"""

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from framewise_ml.models.base import require_weights

FOLDER = "voices"  # in the model cache
WEIGHTS = "pretrained.pt"
SAMPLE_RATE = 16_000
HOP = 160  # samples: the encoder's mel frames are 10 ms apart
N_FFT = 400  # 25 ms windows
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s: what the encoder was trained on
PARTIAL_STEP = 80  # partials overlap by half
PAUSE_MS = 250  # a gap between two words this long may be where the voice changes
MIN_SIDE_MS = 1500  # speech on each side of such a pause before it is compared
CONTEXT_MS = 3000  # how much of it, at most: the voices just before and just after the pause
SAME_VOICE = 0.76  # cosine: below this, the two sides of a pause are two voices
MIN_VOICED_MS = 800  # a turn with less speech gets no voice
UNSPACED = frozenset({"zh", "yue", "ja", "th", "lo", "my", "km", "bo"})  # scripts written without spaces
DECIMALS = 4  # a voice's numbers, rounded: cosines move by well under 1e-3
SILENCE = 1e-3  # audio whose loudest sample is below this (of full scale) has no voice to hear

Vector = npt.NDArray[np.float32]
Audio = npt.NDArray[np.float32]
Item = dict[str, Any]


def voice_weights(cache_dir: Path) -> Path:
    return cache_dir / FOLDER / WEIGHTS


def resemblyzer_version() -> str:
    from importlib.metadata import version

    return version("resemblyzer")


class VoiceEncoder:
    """resemblyzer's encoder and the mel filters, loaded once; `turns` splits transcript items by
    voice and gives each its voice."""

    def __init__(self, cache_dir: Path, device: str = "cpu") -> None:
        self.weights = voice_weights(cache_dir)
        self.device = device
        self._encoder: Any = None
        self._filters: Any = None
        self._window: Any = None

    def load(self) -> None:
        require_weights(self.weights)
        import librosa
        import torch
        from resemblyzer import VoiceEncoder as Encoder  # type: ignore[import-untyped]

        self._encoder = Encoder(self.device, verbose=False, weights_fpath=self.weights).eval()
        self._filters = torch.from_numpy(librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS))
        self._window = torch.hann_window(N_FFT)

    def embed(self, audio: Audio) -> Vector | None:
        """A stretch of speech (16 kHz mono) as one voice: its partials' mean, normalised; None for
        silence (or next to it: nothing to hear a voice in)."""
        if len(audio) < N_FFT or float(np.max(np.abs(audio))) < SILENCE:
            return None
        import torch
        from resemblyzer.audio import normalize_volume  # type: ignore[import-untyped]
        from resemblyzer.hparams import audio_norm_target_dBFS  # type: ignore[import-untyped]

        wav = normalize_volume(audio.astype(np.float32), audio_norm_target_dBFS, increase_only=True)
        spectrum = torch.stft(
            torch.from_numpy(np.ascontiguousarray(wav, dtype=np.float32)),
            N_FFT,
            HOP,
            window=self._window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        mel = (self._filters @ spectrum.abs().pow(2)).T.float()  # frames x 40, as resemblyzer's
        if len(mel) <= PARTIAL_FRAMES:
            partials = mel[None]
        else:
            starts = range(0, len(mel) - PARTIAL_FRAMES + 1, PARTIAL_STEP)
            partials = torch.stack([mel[i : i + PARTIAL_FRAMES] for i in starts])
        with torch.inference_mode():
            mean = self._encoder(partials.to(self.device)).mean(dim=0)
        voice = np.asarray((mean / mean.norm()).cpu().numpy(), dtype=np.float32)
        return voice if np.isfinite(voice).all() else None

    def turns(self, audio: Audio, offset_ms: int, items: list[Item]) -> list[Item]:
        """`items` (transcript segments of a window whose audio starts at `offset_ms`), split where
        the voice changes, each with its `voice` (None when too short to tell)."""
        speech = _Speech(audio, offset_ms)
        out: list[Item] = []
        for item in items:
            for part in self._split(item, speech):
                enough = part["end_ms"] - part["start_ms"] >= MIN_VOICED_MS
                voice = self.embed(speech.between(part["start_ms"], part["end_ms"])) if enough else None
                out.append({**part, "voice": None if voice is None else _rounded(voice)})
        return out

    def _split(self, item: Item, speech: "_Speech") -> list[Item]:
        """The item, or its two parts at a pause where the voices just before and just after it
        (CONTEXT_MS of words each side, at least MIN_SIDE_MS) differ, below SAME_VOICE: of several,
        the longest (people take turns after a pause; a short one inside a turn, next to another
        voice, can sound unlike as well), then the least alike. Each part is looked at again."""
        words = item.get("words") or []
        best: tuple[int, float, int] | None = None  # the longest pause, then the least alike
        for index in range(1, len(words)):
            before, after = words[index - 1], words[index]
            gap_start, gap_end = int(before["end_ms"]), int(after["start_ms"])
            if gap_end - gap_start < PAUSE_MS:
                continue
            left = (max(int(words[0]["start_ms"]), gap_start - CONTEXT_MS), gap_start)
            right = (gap_end, min(int(words[-1]["end_ms"]), gap_end + CONTEXT_MS))
            if min(left[1] - left[0], right[1] - right[0]) < MIN_SIDE_MS:
                continue
            before_voice, after_voice = self.embed(speech.between(*left)), self.embed(speech.between(*right))
            if before_voice is None or after_voice is None:
                continue
            similarity = float(before_voice @ after_voice)
            if similarity < SAME_VOICE and (best is None or (gap_end - gap_start, -similarity) > best[:2]):
                best = (gap_end - gap_start, -similarity, index)
        if best is None:
            return [item]
        cut = best[2]
        return [*self._split(_part(item, words[:cut]), speech), *self._split(_part(item, words[cut:]), speech)]


class _Speech:
    def __init__(self, audio: Audio, offset_ms: int) -> None:
        self.audio, self.offset_ms = audio, offset_ms

    def between(self, start_ms: int, end_ms: int) -> Audio:
        first = max(0, (start_ms - self.offset_ms) * SAMPLE_RATE // 1000)
        return self.audio[first : max(first, (end_ms - self.offset_ms) * SAMPLE_RATE // 1000)]


def _part(item: Item, words: list[Item]) -> Item:
    joiner = "" if item.get("language") in UNSPACED else " "
    return {
        **item,
        "text": joiner.join(str(w["word"]) for w in words),
        "start_ms": int(words[0]["start_ms"]),
        "end_ms": int(words[-1]["end_ms"]),
        "words": words,
    }


def _rounded(voice: Vector) -> list[float]:
    return [round(min(1.0, max(0.0, float(v))), DECIMALS) for v in voice]
