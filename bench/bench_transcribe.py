"""Transcription: word error rate and real-time factor of each engine and checkpoint on 36 generated
English sentences spoken by six espeak-ng voices.

Each sentence is synthesised once (espeak-ng at 150 words a minute, one of six English voices in
turn: British, American, Scottish, Received Pronunciation, Caribbean and a female American), turned
into 16 kHz mono, and transcribed by every engine (faster-whisper on CTranslate2 int8, openai-whisper
on PyTorch) with every checkpoint the model cache has for English (tiny.en, base), as the ML service
runs them: language `en`, word timestamps on; faster-whisper greedy, with a beam of 2 (profile `fast`)
and of 5 (the default), openai-whisper
greedy (how it ran by default before faster-whisper).
The word error rate is jiwer's over all sentences together, after lower-casing and dropping
punctuation; the real-time factor is audio seconds per second of transcription (higher is faster),
after one warm-up sentence. Each sentence alone is the harsh case (Whisper encodes 30 s whatever the
clip's length); the last two columns transcribe the 36 sentences as one recording, half a second
apart, in one call, as a window of a video is transcribed. Threads: ANALYSIS_THREADS (default every
core: one analysis alone).

Language detection (`--languages`, or after the table above): 12 sentences in each of English, French,
German and Spanish, four espeak-ng voices per language in turn. Each engine detects the language as
the ML service does without a set language: on the voiced part of a window (here a second of silence,
the speech, two seconds of silence), with the multilingual checkpoint (base). Three kinds of window:
each sentence alone (about 3 s of speech: the harsh case), the three sentences of one voice (about
10 s), and all 12 (about 40 s, of which the detector reads 30). It reports how often the detection is
right, its probability when right and when wrong (what UNSURE_BELOW in models/transcribe.py is chosen
from), its cost per window, and the share of a window's time it is: the 12 sentences as one recording,
detected and then transcribed as the service does (base, beam 5 on faster-whisper, word timestamps
on), and the same extrapolated to the service's 5-minute windows (the transcription time scaled by
the audio's length, the detection's not: it reads 30 s whatever the window).

`python -m bench.bench_transcribe --engines faster-whisper` measures one engine only;
`--languages` only the language detection.
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
from framewise_ml.models.transcribe import DEFAULT_BEAM, UNSURE_BELOW, _voiced_audio, _voiced_spans
from framewise_ml.models.transcribe_engines import FasterWhisperEngine, OpenAiWhisperEngine, TranscribeEngine
from framewise_ml.weights.build import build_cache

BEAMS = {"faster-whisper": (1, 2, 5), "openai-whisper": (1,)}  # 2: profile fast's
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
DETECTOR = "base"  # the multilingual checkpoint every profile detects with
LANGUAGE_VOICES = {
    "en": ["en-us", "en-gb", "en-gb-scotland", "en-us+f3"],
    "fr": ["fr", "fr-be", "fr-ch", "fr+f3"],
    "de": ["de", "de+f3", "de+m3", "de+f2"],
    "es": ["es", "es-419", "es+f3", "es+m3"],
}
LANGUAGE_SENTENCES = {
    "en": SENTENCES[:12],
    "fr": [
        "Le conseil municipal a voté le budget jeudi soir.",
        "Apportez le dossier bleu dans la salle de réunion.",
        "Notre train quitte la gare centrale à sept heures et demie.",
        "Il fera froid et venteux pendant le reste de la semaine.",
        "Elle a acheté trois pommes et du pain au marché.",
        "Le musée ouvre aujourd'hui une exposition sur les anciens navires.",
        "Tournez à gauche après le pont et suivez la rivière.",
        "Les enfants ont planté un petit jardin derrière l'école.",
        "Il a oublié son parapluie et il est rentré sous la pluie.",
        "Le médecin a dit que les résultats seraient prêts lundi.",
        "Un vent fort a renversé plusieurs arbres dans le parc.",
        "La bibliothèque fermera plus tôt à cause du jour férié.",
    ],
    "de": [
        "Der Stadtrat hat am Donnerstag über den neuen Haushalt gesprochen.",
        "Bitte bringen Sie die blaue Mappe in den Besprechungsraum.",
        "Unser Zug fährt um halb acht vom Hauptbahnhof ab.",
        "Das Wetter bleibt für den Rest der Woche kalt und windig.",
        "Sie hat drei Äpfel und ein Brot auf dem Markt gekauft.",
        "Das Museum eröffnet heute eine Ausstellung über alte Schiffe.",
        "Biegen Sie an der Brücke links ab und folgen Sie dem Fluss.",
        "Die Kinder haben hinter der Schule einen kleinen Garten angelegt.",
        "Er hat seinen Regenschirm vergessen und ist im Regen nach Hause gegangen.",
        "Der Arzt sagte, die Ergebnisse seien nächsten Montag fertig.",
        "Ein starker Wind hat im Park mehrere Bäume umgeworfen.",
        "Die Bibliothek schließt wegen des Feiertags früher.",
    ],
    "es": [
        "El ayuntamiento se reunió el jueves para hablar del nuevo presupuesto.",
        "Por favor, lleva la carpeta azul a la sala de reuniones.",
        "Nuestro tren sale de la estación central a las siete y media.",
        "El tiempo será frío y ventoso durante el resto de la semana.",
        "Ella compró tres manzanas y una barra de pan en el mercado.",
        "El museo abre hoy una exposición sobre barcos antiguos.",
        "Gira a la izquierda en el puente y sigue el río hasta el molino.",
        "Los niños plantaron un pequeño jardín detrás de la escuela.",
        "Olvidó su paraguas y volvió a casa bajo la lluvia.",
        "El médico dijo que los resultados estarían listos el lunes.",
        "Un viento fuerte derribó varios árboles en el parque.",
        "La biblioteca cerrará temprano por el día festivo.",
    ],
}


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


def as_window(clip: np.ndarray) -> np.ndarray:
    """The sentence as a window of a video: a second of silence before it and two after."""
    return np.concatenate([np.zeros(SAMPLE_RATE, np.float32), clip, np.zeros(2 * SAMPLE_RATE, np.float32)])


def detect(engine: TranscribeEngine, audio: np.ndarray) -> tuple[str, float, float]:
    """(language, probability, ms) as the ML service detects: on the voiced part of the audio."""
    started = time.perf_counter()
    language, probability = engine.detect(DETECTOR, _voiced_audio(audio, _voiced_spans(audio)))
    return language, probability, (time.perf_counter() - started) * 1000


def measure_detection(engine: TranscribeEngine, spoken: dict[str, list[np.ndarray]]) -> list[dict[str, Any]]:
    detect(engine, as_window(spoken["en"][0]))  # loads and warms the checkpoint
    rows: list[dict[str, Any]] = []
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    for language, clips in spoken.items():
        voices = len(LANGUAGE_VOICES[language])
        groups = [[clips[i] for i in range(v, len(clips), voices)] for v in range(voices)]  # one voice each
        found = [detect(engine, as_window(clip)) for clip in clips]
        grouped = [detect(engine, as_window(np.concatenate([p for c in g for p in (c, pause)]))) for g in groups]
        recording = np.concatenate([part for clip in clips for part in (clip, pause)])
        detected, probability, detect_ms = detect(engine, as_window(recording))
        started = time.perf_counter()
        engine.transcribe(DETECTOR, recording, detected, True, DEFAULT_BEAM[engine.name])
        transcribe_ms = (time.perf_counter() - started) * 1000
        right = [p for code, p, _ in found if code == language]
        five_minutes = transcribe_ms * 300 * SAMPLE_RATE / len(recording)
        rows.append(
            {
                "engine": engine.name,
                "language": language,
                "right, 1 sentence": f"{len(right)}/{len(found)}",
                "probability when right (min / median)": f"{min(right, default=0):.2f} / {np.median(right or [0]):.2f}",
                f"right but unsure (< {UNSURE_BELOW})": sum(p < UNSURE_BELOW for p in right),
                "wrong, 1 sentence (detected probability)": ", ".join(_wrong(found, language)) or "-",
                "right, 3 sentences": f"{sum(code == language for code, *_ in grouped)}/{len(grouped)}",
                "wrong, 3 sentences": ", ".join(_wrong(grouped, language)) or "-",
                "12 sentences": f"{detected} {probability:.2f}",
                "ms per detection (median)": f"{np.median([ms for *_, ms in found + grouped]):.0f}",
                "share of a 40 s window's time": f"{detect_ms / (detect_ms + transcribe_ms):.1%}",
                "share of a 5 min window's time": f"{detect_ms / (detect_ms + five_minutes):.1%}",
            }
        )
    return rows


def _wrong(found: list[tuple[str, float, float]], language: str) -> list[str]:
    return [f"{code} {p:.2f}" for code, p, _ in found if code != language]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", nargs="*", choices=["faster-whisper", "openai-whisper"], default=None)
    parser.add_argument("--languages", action="store_true", help="measure the language detection only")
    arguments = bench_arguments(__doc__, "bench_transcribe", parser=parser)
    engines = arguments.engines or ["faster-whisper", "openai-whisper"]
    threads = int(os.environ.get("ANALYSIS_THREADS", "0")) or (os.cpu_count() or 1)
    set_torch_threads(threads)
    with tempfile.TemporaryDirectory(prefix="framewise-bench-transcribe-") as tmp:
        folder = Path(tmp)
        cache = Path(os.environ.get("MODEL_CACHE_DIR", folder / "models"))
        build_cache(cache, online=False)
        by_name: dict[str, TranscribeEngine] = {
            "faster-whisper": FasterWhisperEngine(cache / "whisper-ct2", "cpu", threads),
            "openai-whisper": OpenAiWhisperEngine(cache / "whisper", "cpu"),
        }
        if not arguments.languages:
            clips = [speak(text, VOICES[i % len(VOICES)], folder, i) for i, text in enumerate(SENTENCES)]
            rows = [
                measure(by_name[name], checkpoint, clips, beam)
                for name in engines
                for checkpoint in CHECKPOINTS
                for beam in BEAMS[name]
            ]
            audio_s = round(sum(len(c) for c in clips) / SAMPLE_RATE, 1)
            meta = {"sentences": len(SENTENCES), "voices": ", ".join(VOICES), "audio_s": audio_s, "threads": threads}
            report("bench_transcribe", rows, meta)
        spoken = {
            language: [
                speak(text, LANGUAGE_VOICES[language][i % 4], folder, 100 * n + i) for i, text in enumerate(texts)
            ]
            for n, (language, texts) in enumerate(LANGUAGE_SENTENCES.items())
        }
        rows = [row for name in engines for row in measure_detection(by_name[name], spoken)]
    voices = "; ".join(f"{language}: {', '.join(v)}" for language, v in LANGUAGE_VOICES.items())
    meta = {"sentences per language": 12, "voices": voices, "detector": DETECTOR, "threads": threads}
    report("bench_transcribe_languages", rows, meta)


if __name__ == "__main__":
    main()
