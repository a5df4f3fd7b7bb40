"""Voices as speakers: the speaker turns of a transcript, and which speaker a turn joins.

The transcription answers one item per speaker turn (the ML service splits a segment where the
voice changes), each with its voice (256 numbers, resemblyzer's encoder; absent for a turn too
short to tell). A **speaker** is a group of turns across the library: a new turn joins the speaker
most of its nearest voices (within `SPEAKER_DISTANCE`) belong to, as a face joins a person
(`nearest_vote`); otherwise it starts a new speaker, numbered in the library's order ("Speaker 7").
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from pydantic import JsonValue

from framewise.domain.errors import SpeakerChangeRefused
from framewise.domain.faces import Vector, clean_name, nearest_vote
from framewise.domain.payloads import VOICE_SIZE

# Cosine distance (1 - cosine similarity; pgvector's `<=>`). Measured on the ML service's real turns
# (bench/bench_voices.py, tests/ml/test_voices.py: 2-5 s turns of espeak-ng's three voices that
# resemblyzer tells apart, through Whisper's segments): two turns of one voice lie 0.80-0.93 similar
# (distance 0.07-0.20), two voices 0.40-0.72 (distance 0.28 and more). 0.24 lies in that gap.
SPEAKER_DISTANCE = 0.24
# A suggestion that a speaker is a person: at least this many of the speaker's turns overlap that
# person's face tracks, and that person covers at least half of the speaker's turns that show a face.
SUGGEST_TURNS = 3
SUGGEST_SHARE = 0.5


@dataclass(frozen=True)
class VoiceTurn:
    """One speaker turn of a transcript: when, and what the voice sounds like."""

    start_ms: int
    end_ms: int
    voice: Vector


@dataclass(frozen=True)
class SpeakerRef:
    """Who speaks, as a transcript item, a hit or a caption names them."""

    id: UUID
    name: str | None
    number: int  # "Speaker <number>" while unnamed

    @property
    def label(self) -> str:
        """The name, else "Speaker <number>"."""
        return self.name if self.name is not None else f"Speaker {self.number}"


def cosine_distance(a: Iterable[float], b: Iterable[float]) -> float:
    pairs = list(zip(a, b, strict=True))
    dot = sum(x * y for x, y in pairs)
    norm = (sum(x * x for x, _ in pairs) * sum(y * y for _, y in pairs)) ** 0.5
    return 1.0 - dot / norm if norm else 1.0


def voice_turns(payloads: Iterable[Mapping[str, JsonValue]]) -> list[VoiceTurn]:
    """The turns of one transcription run that carry a voice, in time order."""
    turns = []
    for payload in payloads:
        voice = payload.get("voice")
        if not isinstance(voice, list) or len(voice) != VOICE_SIZE:
            continue
        start, end = int(payload["start_ms"]), int(payload["end_ms"])  # type: ignore[arg-type]
        turns.append(VoiceTurn(start, max(end, start + 1), tuple(float(x) for x in voice)))  # type: ignore[arg-type]
    return sorted(turns, key=lambda t: (t.start_ms, t.end_ms))


def choose_speaker(neighbours: Iterable[tuple[UUID, float]]) -> UUID | None:
    """The speaker a new turn joins: the one most of its nearest voices (speaker, cosine distance)
    within SPEAKER_DISTANCE belong to (ties: the nearer); None starts a new speaker."""
    return nearest_vote(neighbours, SPEAKER_DISTANCE, set())


def speaker_name(name: str | None) -> str | None:
    """A speaker's name as kept (`clean_name`); `SpeakerChangeRefused` says what is wrong."""
    return clean_name(name, SpeakerChangeRefused)
