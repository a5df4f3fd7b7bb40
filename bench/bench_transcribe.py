"""Transcription: word error rate and real-time factor of each engine and checkpoint on 36 generated
English sentences spoken by six espeak-ng voices.

Each sentence is synthesised once (espeak-ng at 150 words a minute, one of six English voices in
turn: British, American, Scottish, Received Pronunciation, Caribbean and a female American), turned
into 16 kHz mono, and transcribed by every engine (faster-whisper on CTranslate2 int8, openai-whisper
on PyTorch) with every checkpoint the model cache has for English (tiny.en, base), as the ML service
runs them: language `en`, word timestamps on; faster-whisper greedy and with a beam of 5, openai-whisper
greedy (how it ran by default before faster-whisper).
The word error rate is jiwer's over all sentences together, after lower-casing and dropping
punctuation; the real-time factor is audio seconds per second of transcription (higher is faster),
after one warm-up sentence. Each sentence alone is the harsh case (Whisper encodes 30 s whatever the
clip's length); the last two columns transcribe the 36 sentences as one recording, half a second
apart, in one call, as a window of a video is transcribed. Threads: ANALYSIS_THREADS (default every
core: one analysis alone).

`python -m bench.bench_transcribe --engines faster-whisper` measures one engine only.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import bench_arguments, report
from framewise_ml.media.audio import SAMPLE_RATE
from framewise_ml.models.registry import set_torch_threads
from framewise_ml.models.transcribe_engines import FasterWhisperEngine, OpenAiWhisperEngine, TranscribeEngine
from framewise_ml.weights.build import build_cache

BEAMS = {"faster-whisper": (1, 5), "openai-whisper": (1,)}
VOICES = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us+f3"]
SENTENCES = [
    "The city council met on Thursday to discuss the new budget.",
    "Please bring the blue folder to the meeting room upstairs.",
    "Our train leaves the central station at half past seven.",
    "The weather will be cold and windy for the rest of the week.",
    "She bought three apples and a loaf of bread at the market.",
    "The museum opens its new exhibition about ancient ships today.",
    "Turn left at the bridge and follow the river to the old mill.",
    "The children planted a small garden behind the school.",
    "He forgot his umbrella and walked home in the rain.",
    "The doctor said the results would be ready next Monday.",
    "A strong wind knocked down several trees in the park.",
    "The library will close early because of the public holiday.",
    "Engineers are testing the new bridge before it opens to traffic.",
    "The concert was cancelled after the singer lost her voice.",
    "We need more volunteers to help clean the beach on Saturday.",
    "The mayor promised to repair the roads before the winter.",
    "Her brother plays the piano in a jazz band every Friday.",
    "The factory will hire two hundred workers next spring.",
    "Scientists found a new species of frog in the rainforest.",
    "The restaurant on the corner serves fresh fish every day.",
    "Remember to switch off the lights when you leave the office.",
    "The football match ended in a draw after extra time.",
    "A fire started in the kitchen but nobody was hurt.",
    "The students presented their project to the whole class.",
    "The airport expects more passengers during the summer months.",
    "My grandmother tells wonderful stories about her childhood.",
    "The company reported higher profits for the third quarter.",
    "The hospital opened a new wing for children last year.",
    "Drivers should slow down near the school in the morning.",
    "The farmer sold his cows and bought a small tractor.",
    "The film festival attracts visitors from many countries.",
    "The police closed the street after the water main burst.",
    "The teacher asked everyone to read the second chapter.",
    "The shop around the corner sells old maps and postcards.",
    "The election results will be announced late tonight.",
    "The volunteers painted the community hall in bright colours.",
]
CHECKPOINTS = ["tiny.en", "base"]


def speak(text: str, voice: str, folder: Path, index: int) -> np.ndarray:
    """The sentence in `voice` as 16 kHz mono float32 (espeak-ng writes 22,050 Hz)."""
    from scipy.io import wavfile
    from scipy.signal import resample_poly

    wav = folder / f"s{index}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True, capture_output=True)
    rate, samples = wavfile.read(wav)
    audio = samples.astype(np.float32) / 32768.0
    divisor = np.gcd(SAMPLE_RATE, rate)
    return resample_poly(audio, SAMPLE_RATE // divisor, rate // divisor).astype(np.float32)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def measure(engine: TranscribeEngine, checkpoint: str, clips: list[np.ndarray], beam: int) -> dict[str, Any]:
    import jiwer

    engine.transcribe(checkpoint, clips[0], "en", True, beam)  # loads and warms the checkpoint
    heard, seconds = [], 0.0
    for clip in clips:
        started = time.perf_counter()
        transcript = engine.transcribe(checkpoint, clip, "en", True, beam)
        seconds += time.perf_counter() - started
        heard.append(normalise(" ".join(str(s["text"]) for s in transcript.segments)))
    audio_s = sum(len(c) for c in clips) / SAMPLE_RATE
    wer = jiwer.wer([normalise(s) for s in SENTENCES], heard)
    # The same sentences as one recording, half a second apart, in one call: how a window of a
    # video is transcribed (Whisper reads 30 s at a time, so a lone short sentence pays for 30 s).
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    recording = np.concatenate([part for clip in clips for part in (clip, pause)])
    started = time.perf_counter()
    transcript = engine.transcribe(checkpoint, recording, "en", True, beam)
    continuous_s = time.perf_counter() - started
    continuous_wer = jiwer.wer(
        normalise(" ".join(SENTENCES)), normalise(" ".join(str(s["text"]) for s in transcript.segments))
    )
    return {
        "engine": engine.name,
        "checkpoint": checkpoint,
        "beam": "greedy" if beam == 1 else str(beam),
        "WER": f"{wer:.1%}",
        "real-time factor": f"{audio_s / seconds:.1f}x",
        "s per sentence": f"{seconds / len(clips):.2f}",
        "WER, one recording": f"{continuous_wer:.1%}",
        "real-time factor, one recording": f"{len(recording) / SAMPLE_RATE / continuous_s:.1f}x",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", nargs="*", choices=["faster-whisper", "openai-whisper"], default=None)
    engines = bench_arguments(__doc__, "bench_transcribe", parser=parser).engines or [
        "faster-whisper",
        "openai-whisper",
    ]
    threads = int(os.environ.get("ANALYSIS_THREADS", "0")) or (os.cpu_count() or 1)
    set_torch_threads(threads)
    with tempfile.TemporaryDirectory(prefix="framewise-bench-transcribe-") as tmp:
        folder = Path(tmp)
        cache = Path(os.environ.get("MODEL_CACHE_DIR", folder / "models"))
        build_cache(cache, online=False)
        clips = [speak(text, VOICES[i % len(VOICES)], folder, i) for i, text in enumerate(SENTENCES)]
        by_name: dict[str, TranscribeEngine] = {
            "faster-whisper": FasterWhisperEngine(cache / "whisper-ct2", "cpu", threads),
            "openai-whisper": OpenAiWhisperEngine(cache / "whisper", "cpu"),
        }
        rows = [
            measure(by_name[name], checkpoint, clips, beam)
            for name in engines
            for checkpoint in CHECKPOINTS
            for beam in BEAMS[name]
        ]
    audio_s = round(sum(len(c) for c in clips) / SAMPLE_RATE, 1)
    meta = {"sentences": len(SENTENCES), "voices": ", ".join(VOICES), "audio_s": audio_s, "threads": threads}
    report("bench_transcribe", rows, meta)


if __name__ == "__main__":
    main()
