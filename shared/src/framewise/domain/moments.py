"""Moments: the time ranges people search and jump to, built from an analysis's per-frame artifacts.

A frame analysis answers per sampled frame (one OCR read, one detection, one place label each),
sampling the first frame at or after each multiple of its interval, so sample k lies in
`[k * interval, (k + 1) * interval)`. A moment merges the reads of the same thing on consecutive
samples into `[start_ms, end_ms)`, with its best confidence, the time of its best frame and how many
reads it has; it ends where the next sample, which did not show it, is due. Transcript segments and
scenes are moments as they are.

On-screen text is tolerant of recogniser noise: reads are compared by their normalised text
(case, spacing and punctuation at the ends ignored), and a read within a small edit distance of an
open moment's text (`BRAAVO` after `BRAVO`) continues that moment.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pydantic import JsonValue

from framewise.domain.analyses import analysis_producing
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.languages import language_code
from framewise.domain.payloads import ArtifactType, MomentType

__all__ = ["Moment", "MomentType", "moments_of"]
SIMILAR_TEXT = 0.8  # SequenceMatcher ratio above which two OCR reads are the same text misread


@dataclass(frozen=True)
class Moment:
    moment_type: MomentType
    label: str  # what was read, said or seen, as shown to people
    start_ms: int
    end_ms: int  # exclusive
    confidence: float | None
    best_ms: int  # the time of the best read (the frame a thumbnail shows)
    count: int  # reads merged into it
    run_id: str
    language: str | None = None  # speech's language (ISO 639-1), as its transcript item says


def trigrams(text: str) -> list[str]:
    """The trigrams of a text as PostgreSQL's pg_trgm makes them (each alphanumeric word lowercased,
    padded with two spaces before and one after), sorted. Stored with each moment and indexed, they
    find misread and partial on-screen text without the pg_trgm extension, which the embedded
    PostgreSQL does not ship."""
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.casefold()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return sorted(grams)


def normalise(text: str) -> str:
    """Case-free, spacing-free text for matching: `No  Entry!` -> `no entry`."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", folded).strip(" .,;:!?'\"-_()[]")


@dataclass
class _Open:
    key: str
    label_votes: dict[str, int] = field(default_factory=dict)
    first_ms: int = 0
    last_ms: int = 0
    best: float | None = None
    best_ms: int = 0
    count: int = 0

    def add(self, label: str, at_ms: int, confidence: float | None) -> None:
        self.label_votes[label] = self.label_votes.get(label, 0) + 1
        if self.count == 0:
            self.first_ms = self.best_ms = at_ms
        self.last_ms = at_ms
        self.count += 1
        if confidence is not None and (self.best is None or confidence > self.best):
            self.best, self.best_ms = confidence, at_ms

    def close(self, moment_type: MomentType, interval_ms: int, run_id: str) -> Moment:
        label = max(sorted(self.label_votes), key=lambda text: self.label_votes[text])  # the most read spelling
        end = (self.last_ms // interval_ms + 1) * interval_ms  # when the next sample is due
        return Moment(moment_type, label, self.first_ms, end, self.best, self.best_ms, self.count, run_id)


def _reads(artifact_type: ArtifactType, payload: Mapping[str, JsonValue]) -> list[tuple[str, float | None]]:
    """What one per-frame payload shows: (label, confidence) pairs."""
    if artifact_type is ArtifactType.OCR_TEXT:
        return [(str(payload["text"]), _number(payload.get("confidence")))]
    if artifact_type is ArtifactType.OBJECT:
        return [(str(payload["label"]), _number(payload.get("confidence")))]
    if artifact_type is ArtifactType.FACE:
        return [("face", _number(payload.get("confidence")))]
    if artifact_type is ArtifactType.PLACE:
        predictions = payload.get("predictions")
        if isinstance(predictions, list) and predictions and isinstance(predictions[0], dict):
            return [(str(predictions[0]["label"]), _number(predictions[0].get("confidence")))]
    return []


def _number(value: JsonValue) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _same(artifact_type: ArtifactType, key: str, other: str) -> bool:
    if key == other:
        return True
    return artifact_type is ArtifactType.OCR_TEXT and SequenceMatcher(None, key, other).ratio() >= SIMILAR_TEXT


def _continue(open_: list[_Open], artifact_type: ArtifactType, key: str, at: int) -> _Open:
    """The open moment this read belongs to: the one it already joined at this frame, else one the
    previous sample showed (each moment takes one read a frame), else a new one."""
    for moment in open_:
        if moment.last_ms == at and moment.key == key:
            return moment
    for moment in open_:
        if moment.last_ms < at and _same(artifact_type, moment.key, key):
            return moment
    open_.append(_Open(key))
    return open_[-1]


def frame_moments(
    artifact_type: ArtifactType,
    payloads: Iterable[Mapping[str, JsonValue]],
    *,
    interval_ms: int,
    run_id: str,
) -> list[Moment]:
    """Merge one run's per-frame payloads into moments (sorted by start, then label)."""
    moment_type = analysis_producing(artifact_type).moment_type
    by_time: dict[int, list[tuple[str, float | None]]] = {}
    for payload in payloads:
        at = int(payload["timestamp_ms"])  # type: ignore[arg-type]
        by_time.setdefault(at, []).extend(_reads(artifact_type, payload))
    open_: list[_Open] = []
    done: list[Moment] = []
    for at in sorted(by_time):
        still = [m for m in open_ if at // interval_ms <= m.last_ms // interval_ms + 1]  # shown by the previous sample
        done += [m.close(moment_type, interval_ms, run_id) for m in open_ if m not in still]
        open_ = still
        for label, confidence in by_time[at]:
            key = normalise(label) if artifact_type is ArtifactType.OCR_TEXT else label
            if key:
                _continue(open_, artifact_type, key, at).add(label, at, confidence)
    done += [m.close(moment_type, interval_ms, run_id) for m in open_]
    return sorted(done, key=lambda m: (m.start_ms, m.label, m.end_ms))


def span_moments(
    artifact_type: ArtifactType, payloads: Iterable[Mapping[str, JsonValue]], *, run_id: str
) -> list[Moment]:
    """Transcript segments and scenes: one moment each, as they are."""
    moment_type = analysis_producing(artifact_type).moment_type
    out = []
    for payload in payloads:
        start, end = int(payload["start_ms"]), int(payload["end_ms"])  # type: ignore[arg-type]
        if artifact_type is ArtifactType.SCENE:
            label = f"scene {int(payload['scene_index']) + 1}"  # type: ignore[arg-type]
            confidence = None
        else:
            label = str(payload["text"]).strip()
            confidence = _number(payload.get("confidence"))
        spoken = payload.get("language") if artifact_type is ArtifactType.TRANSCRIPT_SEGMENT else None
        language = language_code(spoken) if isinstance(spoken, str) else None
        if label:
            end_ms = max(end, start + 1)
            out.append(Moment(moment_type, label, start, end_ms, confidence, start, 1, run_id, language))
    return sorted(out, key=lambda m: (m.start_ms, m.label, m.end_ms))


def moments_of(
    artifact_type: ArtifactType,
    payloads: Iterable[Mapping[str, JsonValue]],
    *,
    config: Mapping[str, JsonValue],
    run_id: str,
) -> list[Moment]:
    """The moments of one run of one analysis, its config telling the sampling interval."""
    analysis = analysis_producing(artifact_type)
    if analysis.interval_ms is not None:
        return frame_moments(artifact_type, payloads, interval_ms=analysis.grid_ms(config), run_id=run_id)
    return span_moments(artifact_type, payloads, run_id=run_id)


@dataclass(frozen=True)
class NearTerm:
    """`object:dog`: a moment of that type and label that must be close by."""

    moment_type: MomentType
    label: str

    @classmethod
    def parse(cls, text: str) -> "NearTerm":
        kind, sep, label = text.partition(":")
        try:
            moment_type = MomentType(kind.strip().lower())
        except ValueError:
            moment_type = None
        if not sep or moment_type is None or not normalise(label):
            kinds = ", ".join(t.value for t in MomentType)
            raise ValueError(f"near must be <type>:<label> with a type among {kinds}, e.g. object:dog; got {text!r}")
        return cls(moment_type, label.strip())


def moments_for(envelopes: list[ArtifactEnvelope], config: Mapping[str, JsonValue]) -> list[Moment]:
    """The moments of one run's artifacts (all of one analysis and one run)."""
    if not envelopes:
        return []
    first = envelopes[0]
    payloads = [e.payload for e in envelopes]
    return moments_of(first.artifact_type, payloads, config=config, run_id=first.provenance.run_id)
