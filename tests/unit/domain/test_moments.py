"""Moments, case by case: what each kind of per-frame payload shows and with what confidence, how
reads of one frame and of consecutive samples merge, the trigrams search stores, and `near` terms."""

from datetime import UTC, datetime

import pytest

from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.ids import new_artifact_id, new_task_id, new_video_id
from framewise.domain.moments import (
    Moment,
    MomentType,
    NearTerm,
    frame_moments,
    moments_for,
    moments_of,
    normalise,
    span_moments,
    trigrams,
)
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance

pytestmark = pytest.mark.unit


def frame(at: int, **payload: object) -> dict:
    return {"timestamp_ms": at, "frame_index": at // 40, **payload}


@pytest.mark.parametrize(
    ("artifact_type", "payload", "label"),
    [
        (ArtifactType.OCR_TEXT, {"text": "EXIT", "confidence": 0.7}, "EXIT"),
        (ArtifactType.OBJECT, {"label": "dog", "confidence": 0.7}, "dog"),
        (ArtifactType.FACE, {"confidence": 0.7}, "face"),
        (
            ArtifactType.PLACE,
            {"predictions": [{"label": "beach", "confidence": 0.7}, {"label": "sea", "confidence": 0.2}]},
            "beach",
        ),
    ],
)
def test_each_frame_analysis_shows_its_label_with_its_confidence(
    artifact_type: ArtifactType, payload: dict, label: str
) -> None:
    [moment] = frame_moments(artifact_type, [frame(0, **payload)], interval_ms=1000, run_id="r")
    assert (moment.label, moment.confidence, moment.run_id) == (label, 0.7, "r")


def test_two_of_a_thing_in_one_frame_are_one_moment_and_two_similar_texts_are_two() -> None:
    [dogs] = frame_moments(
        ArtifactType.OBJECT,
        [frame(0, label="dog", confidence=0.5), frame(0, label="dog", confidence=0.9)],
        interval_ms=1000,
        run_id="r",
    )
    assert (dogs.count, dogs.confidence) == (2, 0.9)
    texts = frame_moments(
        ArtifactType.OCR_TEXT, [frame(0, text="BRAVO"), frame(0, text="BRAVOS")], interval_ms=1000, run_id="r"
    )
    assert [m.label for m in texts] == ["BRAVO", "BRAVOS"]  # one read a frame each


def test_a_sample_anywhere_in_the_next_interval_continues_a_moment() -> None:
    [moment] = frame_moments(
        ArtifactType.OBJECT, [frame(1000, label="dog"), frame(2960, label="dog")], interval_ms=1000, run_id="r"
    )
    assert (moment.start_ms, moment.end_ms, moment.count) == (1000, 3000, 2)


def test_a_moment_that_ends_before_the_last_sample_keeps_its_type_and_run() -> None:
    payloads = [frame(0, label="cat"), frame(1000, label="dog"), frame(2000, label="dog"), frame(3000, label="dog")]
    first, _ = frame_moments(ArtifactType.OBJECT, payloads, interval_ms=1000, run_id="r")
    assert first == Moment(MomentType.OBJECT, "cat", 0, 1000, None, 0, 1, "r")


def test_on_screen_text_is_matched_by_its_normalised_text_and_a_misread_at_the_threshold_continues() -> None:
    assert normalise("No  Entry!") == "no entry"
    [moment] = frame_moments(
        ArtifactType.OCR_TEXT,
        [frame(0, text="NO ENTRY"), frame(1000, text="no entry!"), frame(2000, text="No Entry")],
        interval_ms=1000,
        run_id="r",
    )
    assert (moment.count, moment.end_ms) == (3, 3000)
    bravo = frame_moments(
        ArtifactType.OCR_TEXT, [frame(0, text="BRAVO"), frame(1000, text="BRAVA")], interval_ms=1000, run_id="r"
    )
    assert len(bravo) == 1  # 4 of 5 letters in common: a ratio of exactly 0.8


def test_transcript_segments_and_scenes_are_moments_as_they_are() -> None:
    said, instant = span_moments(
        ArtifactType.TRANSCRIPT_SEGMENT,
        [
            {"text": " hello ", "start_ms": 0, "end_ms": 900, "confidence": 0.6},
            {"text": "hi", "start_ms": 1000, "end_ms": 1000},
        ],
        run_id="r",
    )
    assert said == Moment(MomentType.TRANSCRIPT, "hello", 0, 900, 0.6, 0, 1, "r")
    assert (instant.start_ms, instant.end_ms, instant.confidence) == (1000, 1001, None)  # at least a millisecond
    [scene] = span_moments(ArtifactType.SCENE, [{"scene_index": 2, "start_ms": 10, "end_ms": 20}], run_id="r")
    assert scene == Moment(MomentType.SCENE, "scene 3", 10, 20, None, 10, 1, "r")


def test_the_moments_of_a_run_sample_on_its_configs_interval_and_carry_its_run_id() -> None:
    reads = [frame(0, label="dog"), frame(1000, label="dog")]
    assert [(m.end_ms, m.run_id) for m in moments_of(ArtifactType.OBJECT, reads, config={}, run_id="r")] == [
        (2000, "r")
    ]
    spans = moments_of(ArtifactType.SCENE, [{"scene_index": 0, "start_ms": 0, "end_ms": 5}], config={}, run_id="s")
    assert [m.run_id for m in spans] == ["s"]
    halves = moments_of(ArtifactType.OBJECT, reads, config={"interval_ms": 500}, run_id="r")
    assert [(m.start_ms, m.end_ms) for m in halves] == [(0, 500), (1000, 1500)]


def test_the_moments_of_stored_artifacts_are_those_of_their_payloads_and_run() -> None:
    run = Provenance(
        producer="p",
        producer_version="1",
        model_profile="m",
        config_hash="h",
        input_hash="i",
        run_id="run-7",
        device="cpu",
        weights="none",
    )
    video_id, task_id, now = new_video_id(), new_task_id(), datetime(2026, 1, 1, tzinfo=UTC)
    envelopes = [
        ArtifactEnvelope(
            new_artifact_id(), video_id, task_id, 1, ArtifactType.OBJECT, 1, at, at, frame(at, label="dog"), run, now
        )
        for at in (0, 1000, 5000)
    ]
    moments = moments_for(envelopes, {"interval_ms": 1000})
    assert [(m.start_ms, m.end_ms, m.count, m.run_id) for m in moments] == [
        (0, 2000, 2, "run-7"),
        (5000, 6000, 1, "run-7"),
    ]
    assert moments_for([], {}) == []
    assert [m.count for m in moments_for(envelopes[:1], {})] == [1]


def test_trigrams_are_those_pg_trgm_makes_of_each_word() -> None:
    assert trigrams("No Entry!") == sorted({"  n", " no", "no ", "  e", " en", "ent", "ntr", "try", "ry "})
    assert trigrams("a_b") == ["  a", "  b", " a ", " b "]
    assert trigrams("!!") == []


def test_a_near_term_is_a_moment_type_and_a_label() -> None:
    assert NearTerm.parse(" Object : big dog ") == NearTerm(MomentType.OBJECT, "big dog")
    assert NearTerm.parse("ocr:a:b") == NearTerm(MomentType.OCR, "a:b")


@pytest.mark.parametrize("text", ["dog", "animal:dog", "object:", "object: !!", ":dog"])
def test_a_near_term_without_a_known_type_or_a_label_is_refused_naming_the_types(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"^near must be <type>:<label> with a type among transcript, ocr, object, face, place, scene"
    ):
        NearTerm.parse(text)


def test_a_moment_is_labelled_with_its_most_read_spelling_and_timed_at_its_first_best_read() -> None:
    reads = [
        frame(0, text="BRAVOO", confidence=0.9),
        frame(1000, text="BRAVO", confidence=0.9),
        frame(2000, text="BRAVO"),
    ]
    [moment] = frame_moments(ArtifactType.OCR_TEXT, reads, interval_ms=1000, run_id="r")
    assert (moment.label, moment.count, moment.confidence, moment.best_ms) == ("BRAVO", 3, 0.9, 0)
