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
10 ms), computed with torch's STFT on the filters built once, once for the whole window; every
stretch asked about takes its frames from there. The partials of all the stretches asked about at
once (both sides of every pause, then every turn) run through the encoder as one packed batch: a
few runs a window instead of one per stretch, which on a busy CPU is what costs (an LSTM step at a
time, each waiting for its threads). The voices match resemblyzer's own within a cosine of 1e-3.
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
AUDIO_NORM_DBFS = -30  # resemblyzer's volume target (hparams.audio_norm_target_dBFS): quieter speech is raised to it

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
        """One stretch of speech (16 kHz mono) as one voice; None for silence."""
        return _Voices(self, audio, 0).many([(0, len(audio) * 1000 // SAMPLE_RATE)])[0]

    def warm(self) -> None:
        """One run of the encoder, so that the first request does not pay for its set-up."""
        tone = np.sin(np.arange(2 * SAMPLE_RATE, dtype=np.float32) * 0.05) * 0.1
        self.embed(tone.astype(np.float32))

    def mel(self, audio: Audio) -> Any:
        """resemblyzer's mel frames of `audio` (frames x 40, power), one every HOP samples."""
        import torch

        spectrum = torch.stft(
            torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)),
            N_FFT,
            HOP,
            window=self._window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        return (self._filters @ spectrum.abs().pow(2)).T.float()

    def encode(self, partials: list[Any]) -> Any:
        """The encoder's embedding (L2-normed) of each partial (frames x 40), in one run: the partials
        packed into one batch, each ending at its own last frame."""
        import torch
        from torch.nn.utils.rnn import pack_sequence

        encoder = self._encoder
        with torch.inference_mode():
            packed = pack_sequence([p.to(self.device) for p in partials], enforce_sorted=False)
            _, (hidden, _) = encoder.lstm(packed)
            raw = encoder.relu(encoder.linear(hidden[-1]))
            return raw / raw.norm(dim=1, keepdim=True)

    def turns(self, audio: Audio, offset_ms: int, items: list[Item]) -> list[Item]:
        """`items` (transcript segments of a window whose audio starts at `offset_ms`), split where
        the voice changes, each with its `voice` (None when too short to tell). The voices of every
        stretch asked about are computed together: first both sides of every pause of every item,
        then every turn (see _Voices)."""
        voices = _Voices(self, audio, offset_ms)
        voices.many([side for item in items for _, sides in _pauses(item.get("words") or []) for side in sides])
        parts = [part for item in items for part in self._split(item, voices)]
        enough = [(p["start_ms"], p["end_ms"]) for p in parts if p["end_ms"] - p["start_ms"] >= MIN_VOICED_MS]
        found = dict(zip(enough, voices.many(enough), strict=True))
        out: list[Item] = []
        for part in parts:
            voice = found.get((part["start_ms"], part["end_ms"]))
            out.append({**part, "voice": None if voice is None else _rounded(voice)})
        return out

    def _split(self, item: Item, voices: "_Voices") -> list[Item]:
        """The item, or its two parts at a pause where the voices just before and just after it
        (CONTEXT_MS of words each side, at least MIN_SIDE_MS) differ, below SAME_VOICE: of several,
        the longest (people take turns after a pause; a short one inside a turn, next to another
        voice, can sound unlike as well), then the least alike. Each part is looked at again."""
        words = item.get("words") or []
        pauses = _pauses(words)
        sides = voices.many([side for _, pair in pauses for side in pair])
        best: tuple[int, float, int] | None = None  # the longest pause, then the least alike
        for n, (index, (left, right)) in enumerate(pauses):
            before_voice, after_voice = sides[2 * n], sides[2 * n + 1]
            if before_voice is None or after_voice is None:
                continue
            gap = right[0] - left[1]
            similarity = float(before_voice @ after_voice)
            if similarity < SAME_VOICE and (best is None or (gap, -similarity) > best[:2]):
                best = (gap, -similarity, index)
        if best is None:
            return [item]
        cut = best[2]
        return [*self._split(_part(item, words[:cut]), voices), *self._split(_part(item, words[cut:]), voices)]


Span = tuple[int, int]


def _pauses(words: list[Item]) -> list[tuple[int, tuple[Span, Span]]]:
    """Each pause between two words (PAUSE_MS or more) that could be where the voice changes: the
    index of the word after it, and the speech just before and just after it (up to CONTEXT_MS each
    side, within the words), when both are at least MIN_SIDE_MS."""
    found = []
    for index in range(1, len(words)):
        gap_start, gap_end = int(words[index - 1]["end_ms"]), int(words[index]["start_ms"])
        if gap_end - gap_start < PAUSE_MS:
            continue
        left = (max(int(words[0]["start_ms"]), gap_start - CONTEXT_MS), gap_start)
        right = (gap_end, min(int(words[-1]["end_ms"]), gap_end + CONTEXT_MS))
        if min(left[1] - left[0], right[1] - right[0]) >= MIN_SIDE_MS:
            found.append((index, (left, right)))
    return found


class _Voices:
    """The voices of stretches of one window's audio, each computed once. The window's mel frames
    are computed once; a stretch is embedded as resemblyzer embeds an utterance (its volume raised to
    resemblyzer's target, as `normalize_volume(increase_only=True)`: a gain on the power frames;
    the mean of its half-overlapping 1.6 s partials, normalised), and the partials of every stretch
    asked about at once go through the encoder in one batch."""

    def __init__(self, encoder: VoiceEncoder, audio: Audio, offset_ms: int) -> None:
        self.encoder, self.audio, self.offset_ms = encoder, audio, offset_ms
        self.known: dict[Span, Vector | None] = {}
        self._mel: Any = None

    def many(self, spans: list[Span]) -> list[Vector | None]:
        """The voice of each stretch (start_ms, end_ms): None for silence or next to nothing."""
        import torch

        partials: list[Any] = []
        owners: list[Span] = []
        for span in dict.fromkeys(s for s in spans if s not in self.known):
            found = self._partials(span)
            if found is None:
                self.known[span] = None
                continue
            partials += found
            owners += [span] * len(found)
        if partials:
            embedded = self.encoder.encode(partials).cpu()
            for span in dict.fromkeys(owners):
                mean = embedded[torch.tensor([o == span for o in owners])].mean(dim=0)
                voice = np.asarray((mean / mean.norm()).numpy(), dtype=np.float32)
                self.known[span] = voice if np.isfinite(voice).all() else None
        return [self.known[s] for s in spans]

    def _partials(self, span: Span) -> list[Any] | None:
        first = max(0, (span[0] - self.offset_ms) * SAMPLE_RATE // 1000)
        last = min(len(self.audio), max(first, (span[1] - self.offset_ms) * SAMPLE_RATE // 1000))
        wav = self.audio[first:last]
        if len(wav) < N_FFT or float(np.max(np.abs(wav))) < SILENCE:
            return None
        if self._mel is None:
            self._mel = self.encoder.mel(self.audio)
        rms_db = 10 * np.log10(float(np.mean(np.square(wav, dtype=np.float64))))
        gain = 10 ** (max(0.0, AUDIO_NORM_DBFS - rms_db) / 10)  # on power: the amplitude's gain squared
        begin = round(first / HOP)
        mel = self._mel[begin : begin + (last - first) // HOP + 1] * gain
        if len(mel) <= PARTIAL_FRAMES:
            return [mel]
        return [mel[i : i + PARTIAL_FRAMES] for i in range(0, len(mel) - PARTIAL_FRAMES + 1, PARTIAL_STEP)]


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
