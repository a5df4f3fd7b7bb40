"""Speaker turns: what they add to transcription on the CPU, and how right they are.

Generated conversations (framewise_dev.media.make_conversation_video): espeak-ng's three voices
that resemblyzer tells apart (a man and two women) take turns, 0.3-0.5 s apart, 8 to 10 turns a
conversation, four conversations with different words and orders. Each is transcribed by the ML
service's own model (Whisper base on faster-whisper, beam 5, word times, language `en`) with
`speakers` off and on, alternately, ROUNDS times; the added time is the median difference over the
median time without, and the voices' own time (timed around the model's `turns`, which the run with
speakers on adds) over the same.

Accuracy, over every conversation: each generated turn against the items it overlaps most (Whisper
may cut a turn in two: its first item's start and last item's end within 0.5 s of where the turn
is audible), and every pair of items, in one conversation and across conversations, on the right
side of SAME_SPEAKER (one voice: at or above; two: below).
`--threads N` sets torch's and CTranslate2's threads (default 2, this machine's cores).
"""

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import numpy as np

from bench._common import bench_arguments, report
from framewise.contracts.ml import InferenceRequest
from framewise_dev.media import Conversation, make_conversation_video
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import set_torch_threads
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.weights.build import build_cache

Item = dict[str, Any]
SAME_SPEAKER = 0.76  # as tests/ml/test_voices.py and the speakers' grouping
ROUNDS = 3
TALKS = [
    [
        ("adam", "Good morning everyone, and thank you for coming to the meeting today."),
        ("beth", "Thank you. I would like to talk about the budget for the new library."),
        ("adam", "Of course. How much money do we need for the building this year?"),
        ("dora", "About two million dollars, and the work can start in the spring."),
        ("beth", "That sounds reasonable to me, as long as the roof is repaired first."),
        ("adam", "Then let us vote on it at the meeting next week."),
        ("dora", "I agree, and I will send the plans to everyone tomorrow morning."),
        ("beth", "Thank you all, the meeting is closed for today."),
    ],
    [
        ("dora", "Welcome back to the show, today we are talking about gardens in the city."),
        ("adam", "It is a pleasure to be here, I have been growing tomatoes on my roof for years."),
        ("dora", "What is the hardest part of growing food so high above the street?"),
        ("adam", "The wind, without a doubt, and carrying the soil up the stairs."),
        ("beth", "And the water, I suppose, since every drop has to be carried as well."),
        ("adam", "Exactly, so we collect the rain in barrels next to each bed."),
        ("dora", "That is a clever idea, our listeners will want to try it at home."),
        ("beth", "Perhaps we can visit the garden next summer and see it for ourselves."),
        ("adam", "You are always welcome, just bring a good pair of shoes."),
    ],
    [
        ("beth", "The train to the coast leaves at seven, so we should meet at the station."),
        ("dora", "I will bring the tickets and some sandwiches for the journey."),
        ("adam", "Do we need to book a table for dinner when we arrive at the hotel?"),
        ("beth", "I called them yesterday and they said there is plenty of room."),
        ("dora", "Then the only thing left is to check the weather for the weekend."),
        ("adam", "The forecast says sunshine on Saturday and a little rain on Sunday."),
        ("beth", "Perfect, we can walk along the beach on the first day."),
        ("dora", "And visit the museum in the old harbour when it rains."),
    ],
    [
        ("adam", "Our next question comes from a student who wants to study medicine."),
        ("dora", "Thank you, I would like to know how long the training takes in this country."),
        ("beth", "It usually takes six years at university, and then a few more in a hospital."),
        ("dora", "Is it possible to work part time while studying for the degree?"),
        ("beth", "Some students do, but the first two years are very demanding."),
        ("adam", "Thank you both, that was very helpful for everyone listening tonight."),
        ("dora", "Thank you for answering my question so clearly."),
        ("beth", "Good luck with your studies, and do not forget to rest."),
        ("adam", "That is all the time we have, good night and see you next week."),
    ],
]


def transcribe(model: TranscribeModel, talk: Conversation, speakers: bool) -> tuple[list[Item], float]:
    path = talk.video.path
    request = InferenceRequest(video_path=str(path), config={"language": "en", "speakers": speakers})
    started = time.perf_counter()
    items = model.predict(request, path).items
    return [cast(Item, i) for i in items], time.perf_counter() - started


def turn_of(item: Item, talk: Conversation) -> int:
    """The generated turn the item overlaps most."""
    overlap = [min(t.end_ms, item["end_ms"]) - max(t.start_ms, item["start_ms"]) for t in talk.turns]
    return overlap.index(max(overlap))


def speaker_of(item: Item, talk: Conversation) -> str:
    return talk.turns[turn_of(item, talk)].speaker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2, help="torch's and CTranslate2's threads (default 2)")
    args = bench_arguments(__doc__, "bench_voices", parser=parser)
    set_torch_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="framewise-bench-voices-") as tmp:
        folder = Path(tmp)
        cache = folder / "models"
        build_cache(cache, online=False)
        model = TranscribeModel(ModelContext(cache), threads=args.threads)
        model.load()
        own: list[float] = []  # the voices' own time in each run with speakers on, timed around them
        turns = model.voices.turns

        def timed_turns(*args: Any) -> list[Item]:
            started = time.perf_counter()
            try:
                return turns(*args)
            finally:
                own.append(time.perf_counter() - started)

        model.voices.turns = timed_turns  # type: ignore[method-assign]
        talks = [
            make_conversation_video(folder / f"talk-{n}.mp4", turns, gap_s=0.3 + 0.1 * (n % 3))
            for n, turns in enumerate(TALKS)
        ]
        seconds: dict[bool, list[float]] = {False: [], True: []}
        added: list[float] = []
        voiced: list[tuple[Item, str, int]] = []
        boundaries: list[int] = []
        turns_right = turns_total = items_total = 0
        for n, talk in enumerate(talks):
            for _ in range(ROUNDS):
                _, off = transcribe(model, talk, False)
                items, on = transcribe(model, talk, True)
                seconds[False].append(off)
                seconds[True].append(on)
                added.append(on - off)
            turns_total += len(talk.turns)
            for number, turn in enumerate(talk.turns):  # Whisper may cut one turn in two: its first and last
                its = [i for i in items if turn_of(i, talk) == number]
                if its:
                    error = max(abs(its[0]["start_ms"] - turn.start_ms), abs(its[-1]["end_ms"] - turn.end_ms))
                    boundaries.append(error)
                    turns_right += error <= 500
            items_total += len(items)
            voiced += [(item, speaker_of(item, talk), n) for item in items if item.get("voice")]
        pairs = right = cross_right = cross_pairs = 0
        for (a, who, ta), (b, other, tb) in itertools.combinations(voiced, 2):
            cosine = float(np.dot(a["voice"], b["voice"]))
            ok = (cosine >= SAME_SPEAKER) == (who == other)
            pairs, right = pairs + 1, right + ok
            if ta != tb:
                cross_pairs, cross_right = cross_pairs + 1, cross_right + ok
        audio_s = sum(t.video.duration_ms for t in talks) / 1000
        off_s, extra_s = statistics.median(seconds[False]), statistics.median(added)
        own_s = statistics.median(own)
        rows = [
            {"measure": "transcription, speakers off (s, median of a conversation)", "value": f"{off_s:.2f}"},
            {"measure": "speaker turns added: on minus off (s, median)", "value": f"{extra_s:.2f}"},
            {"measure": "speaker turns added: on minus off (share)", "value": f"{extra_s / off_s:.1%}"},
            {"measure": "speaker turns' own time (s, median; max)", "value": f"{own_s:.3f}; {max(own):.3f}"},
            {"measure": "speaker turns' own time (share of transcription)", "value": f"{own_s / off_s:.1%}"},
            {"measure": "turns found, both ends within 0.5 s", "value": f"{turns_right} of {turns_total}"},
            {"measure": "worst boundary error (ms)", "value": str(max(boundaries) if boundaries else "-")},
            {"measure": "items with a voice", "value": f"{len(voiced)} of {items_total}"},
            {"measure": "pairs of turns on the right side of SAME_SPEAKER", "value": f"{right} of {pairs}"},
            {"measure": "of them across conversations", "value": f"{cross_right} of {cross_pairs}"},
        ]
        report(
            "voices",
            rows,
            {
                "conversations": f"{len(talks)}, {audio_s:.0f} s of audio, {turns_total} turns, 3 espeak-ng voices",
                "model": f"{model.producer} {model.producer_version}, base, beam 5, word times, language en",
                "threads": args.threads,
                "rounds": ROUNDS,
                "same speaker": f"cosine >= {SAME_SPEAKER}",
            },
        )


if __name__ == "__main__":
    main()
