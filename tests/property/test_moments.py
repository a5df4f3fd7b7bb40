"""Moment merging against the real domain code: for any sequence of per-frame reads, the moments of
each text cover exactly the sampled frames where it was read, each moment is a run of consecutive
samples, and building twice gives the same moments."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.domain.moments import Moment, MomentType, frame_moments, moments_of, normalise, span_moments
from framewise.domain.payloads import ArtifactType

pytestmark = pytest.mark.property

WORDS = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "NO ENTRY"]  # far apart: never one misread as another
FPS = 25


def sample_times(interval_ms: int, samples: int) -> list[int]:
    """The first frame at or after each multiple of the interval, as the ML service samples."""
    frame_ms = 1000 / FPS
    return [round(-(-(k * interval_ms) // frame_ms) * frame_ms) for k in range(samples)]


@st.composite
def reads(draw: st.DrawFn) -> tuple[int, list[int], list[set[str]]]:
    interval = draw(st.sampled_from([200, 500, 1000, 2000]))
    times = sample_times(interval, draw(st.integers(1, 40)))
    shown = [draw(st.sets(st.sampled_from(WORDS), max_size=3)) for _ in times]
    return interval, times, shown


def ocr_payloads(times: list[int], shown: list[set[str]], noisy: bool) -> list[dict]:
    out = []
    for at, words in zip(times, shown, strict=True):
        for word in sorted(words):
            text = word.lower() + ("." if noisy and at % 3 == 0 else "")  # recogniser noise: case, punctuation
            out.append({"text": text, "timestamp_ms": at, "frame_index": at * FPS // 1000, "confidence": 0.5})
    return out


@settings(max_examples=200, deadline=None)
@given(case=reads(), noisy=st.booleans())
def test_each_texts_moments_cover_exactly_the_samples_that_showed_it(
    case: tuple[int, list[int], list[set[str]]], noisy: bool
) -> None:
    interval, times, shown = case
    moments = frame_moments(ArtifactType.OCR_TEXT, ocr_payloads(times, shown, noisy), interval_ms=interval, run_id="r")
    for word in WORDS:
        mine = [m for m in moments if normalise(m.label) == normalise(word)]
        covered = {t for t in times for m in mine if m.start_ms <= t < m.end_ms}
        assert covered == {t for t, words in zip(times, shown, strict=True) if word in words}
        for m in mine:  # each moment is one run of consecutive samples, counted once a frame
            inside = [t for t in times if m.start_ms <= t < m.end_ms]
            assert m.count == len(inside) and m.start_ms == inside[0]
            assert inside == times[times.index(inside[0]) : times.index(inside[0]) + len(inside)]
    assert len(moments) == sum(1 for m in moments if any(normalise(m.label) == normalise(w) for w in WORDS))
    again = frame_moments(ArtifactType.OCR_TEXT, ocr_payloads(times, shown, noisy), interval_ms=interval, run_id="r")
    assert again == moments  # re-running a task leaves the same moments


def test_a_misread_continues_the_moment_and_the_most_read_spelling_names_it() -> None:
    payloads = [
        {"text": text, "timestamp_ms": t, "frame_index": t // 40, "confidence": c}
        for text, t, c in [("BRAVO", 0, 0.6), ("BRAAVO", 1000, 0.9), ("BRAVO", 2000, 0.7), ("NO  ENTRY", 2000, 0.8)]
    ]
    moments = frame_moments(ArtifactType.OCR_TEXT, payloads, interval_ms=1000, run_id="run-1")
    assert moments == [
        Moment(MomentType.OCR, "BRAVO", 0, 3000, 0.9, 1000, 3, "run-1"),
        Moment(MomentType.OCR, "NO  ENTRY", 2000, 3000, 0.8, 2000, 1, "run-1"),
    ]


def test_objects_faces_and_places_merge_by_label_and_split_at_a_gap() -> None:
    detections = [
        {"label": label, "confidence": c, "timestamp_ms": t, "frame_index": 0, "bbox": {}}
        for label, t, c in [("cat", 0, 0.7), ("cat", 1000, 0.75), ("dog", 1000, 0.5), ("cat", 3000, 0.6)]
    ]
    objects = moments_of(ArtifactType.OBJECT, detections, config={}, run_id="r")
    assert [(m.label, m.start_ms, m.end_ms, m.count) for m in objects] == [
        ("cat", 0, 2000, 2),
        ("dog", 1000, 2000, 1),
        ("cat", 3000, 4000, 1),
    ]
    places = [
        {"timestamp_ms": t, "frame_index": 0, "predictions": [{"label": label, "confidence": 0.4}]}
        for label, t in [("palace", 0), ("palace", 500), ("valley", 1000)]
    ]
    found = moments_of(ArtifactType.PLACE, places, config={"interval_ms": 500}, run_id="r")
    assert [(m.label, m.start_ms, m.end_ms) for m in found] == [("palace", 0, 1000), ("valley", 1000, 1500)]
    faces = [{"confidence": 0.99, "timestamp_ms": t, "frame_index": 0, "bbox": {}} for t in (2000, 3000)]
    assert [(m.label, m.start_ms, m.end_ms) for m in moments_of(ArtifactType.FACE, faces, config={}, run_id="r")] == [
        ("face", 2000, 4000)
    ]


def test_transcript_segments_and_scenes_are_moments_as_they_are() -> None:
    segments = [{"text": " the quick brown fox ", "start_ms": 300, "end_ms": 2100, "language": "en"}]
    scenes = [{"scene_index": 0, "start_ms": 0, "end_ms": 2000}, {"scene_index": 1, "start_ms": 2000, "end_ms": 4000}]
    assert span_moments(ArtifactType.TRANSCRIPT_SEGMENT, segments, run_id="r") == [
        Moment(MomentType.TRANSCRIPT, "the quick brown fox", 300, 2100, None, 300, 1, "r", language="en")
    ]
    assert [(m.label, m.start_ms, m.end_ms) for m in span_moments(ArtifactType.SCENE, scenes, run_id="r")] == [
        ("scene 1", 0, 2000),
        ("scene 2", 2000, 4000),
    ]
