"""Windows of media time: the plan, and how speech and cuts join across a boundary."""

from typing import Any

import pytest

from framewise.domain.payloads import SceneV1, TranscriptSegmentV1
from framewise.domain.windows import (
    Stitching,
    Window,
    WindowSizes,
    cuts_inside,
    plan,
    request_span,
    scenes_from_cuts,
    words_inside,
)

pytestmark = pytest.mark.unit


def test_a_plan_covers_the_video_on_the_grid() -> None:
    assert plan(10_000, 4500, 1000) == [Window(0, 0, 4000), Window(1, 4000, 8000), Window(2, 8000, 10_000)]
    assert plan(10_000, 300, 1000) == [Window(i, i * 1000, (i + 1) * 1000) for i in range(10)]  # one grid step
    assert plan(10_000, 60_000) == [Window(0, 0, 10_000)]
    assert plan(0, 60_000) == [Window(0, 0, None)]  # unknown length: one window to the end


def test_what_is_asked_for_each_kind_of_window() -> None:
    second = Window(1, 10_000, 20_000)
    assert request_span(Stitching.FRAMES, second, 60_000) == (10_000, 20_000)
    assert request_span(Stitching.CUTS, second, 60_000) == (7000, 20_000)
    assert request_span(Stitching.CUTS, Window(0, 0, 10_000), 60_000) == (0, 10_000)
    assert request_span(Stitching.SPEECH, second, 22_000) == (5000, 22_000)


def word(text: str, start: int, end: int) -> dict:
    return {"word": text, "start_ms": start, "end_ms": end}


def seg(**fields: Any) -> TranscriptSegmentV1:
    """A transcript segment as the worker holds it: parsed once, typed."""
    return TranscriptSegmentV1.model_validate({"language": "en", **fields})


def scenes(*spans: tuple[int, int]) -> list[SceneV1]:
    return [SceneV1(scene_index=i, start_ms=start, end_ms=end) for i, (start, end) in enumerate(spans)]


def dumped(found: list[SceneV1]) -> list[dict[str, Any]]:
    return [s.model_dump() for s in found]


def test_a_word_on_the_boundary_is_kept_once_by_the_window_holding_its_middle() -> None:
    segment = seg(
        text="the quick brown fox",
        start_ms=9000,
        end_ms=11_000,
        words=[
            word(" the", 9000, 9400),
            word(" quick", 9500, 9900),
            word(" brown", 9800, 10_400),
            word(" fox", 10_500, 11_000),
        ],
    )
    first, second = Window(0, 0, 10_000), Window(1, 10_000, 20_000)
    kept_first, kept_second = words_inside(first, [segment]), words_inside(second, [segment])
    # "brown" straddles 10 000 with its middle at 10 100: the second window's
    assert [(k.text, k.start_ms, k.end_ms) for k in kept_first] == [("the quick", 9000, 9900)]
    assert [(k.text, k.start_ms, k.end_ms) for k in kept_second] == [("brown fox", 9800, 11_000)]


def test_every_word_lands_in_exactly_one_window() -> None:
    words = [word(f" w{i}", i * 700, i * 700 + 650) for i in range(40)]
    segment = seg(text="".join(w["word"] for w in words), start_ms=0, end_ms=28_000, words=words)
    windows = plan(28_000, 4000)
    kept = [w.word for win in windows for s in words_inside(win, [segment]) for w in s.words or []]
    assert kept == [w["word"] for w in words]


def test_cuts_join_into_the_scenes_of_one_pass() -> None:
    second = Window(1, 10_000, 20_000)
    # asked from 7000: a cut at 8000 (already the first window's) and at 10 000 (on the boundary)
    cuts, end = cuts_inside(second, scenes((7000, 8000), (8000, 10_000), (10_000, 20_000)))
    assert (cuts, end) == ([10_000], 20_000)
    assert dumped(scenes_from_cuts([8000, *cuts], end)) == [
        {"scene_index": 0, "start_ms": 0, "end_ms": 8000},
        {"scene_index": 1, "start_ms": 8000, "end_ms": 10_000},
        {"scene_index": 2, "start_ms": 10_000, "end_ms": 20_000},
    ]
    assert dumped(scenes_from_cuts([], 20_000)) == [{"scene_index": 0, "start_ms": 0, "end_ms": 20_000}]  # no new cut


def test_context_before_a_window_stops_at_the_start_of_the_video() -> None:
    assert request_span(Stitching.CUTS, Window(1, 2000, 4000), 8000) == (0, 4000)
    assert request_span(Stitching.SPEECH, Window(0, 0, 2000), 8000) == (0, 7000)


def test_a_word_whose_middle_is_on_the_boundary_belongs_to_the_window_starting_there() -> None:
    segment = seg(text="a b", start_ms=9000, end_ms=10_400, words=[word("a", 9000, 9600), word("b", 9800, 10_200)])
    first, second = Window(0, 0, 10_000), Window(1, 10_000, 20_000)
    assert [k.text for k in words_inside(first, [segment])] == ["a"]
    assert [k.text for k in words_inside(second, [segment])] == ["b"]


def test_segments_without_words_and_wholly_inside_ones_are_kept_as_they_are() -> None:
    window = Window(1, 10_000, 20_000)
    plain_inside = seg(text="hello", start_ms=12_000, end_ms=13_000)
    plain_outside = seg(text="before", start_ms=8000, end_ms=9000)
    worded = seg(
        text="x y", start_ms=14_000, end_ms=15_000, words=[word("x", 14_000, 14_400), word("y", 14_500, 15_000)]
    )
    on_edge = seg(text="edge", start_ms=19_000, end_ms=21_000)  # middle 20 000: the next window's
    kept = words_inside(window, [plain_outside, plain_inside, on_edge, worded])
    assert kept == [plain_inside, worded]  # as they are (payloads are frozen: sharing them is safe)


def test_a_cut_segment_spans_from_its_first_kept_word_to_its_last() -> None:
    words = [word("a", 9000, 9400), word("b", 10_000, 10_400), word("c", 10_500, 10_900), word("d", 11_000, 11_600)]
    segment = seg(text="a b c d", start_ms=9000, end_ms=11_600, words=words)
    [kept] = words_inside(Window(1, 10_000, 20_000), [segment])
    assert (kept.text, kept.start_ms, kept.end_ms, len(kept.words or [])) == ("b c d", 10_000, 11_600, 3)


def test_a_window_without_scenes_ends_where_it_does_or_where_it_starts() -> None:
    assert cuts_inside(Window(1, 1000, 2000), []) == ([], 2000)
    assert cuts_inside(Window(0, 500, None), []) == ([], 500)


def test_scenes_split_at_every_cut_inside_the_video_and_an_empty_video_has_none() -> None:
    assert dumped(scenes_from_cuts([1, 5], 10)) == [
        {"scene_index": 0, "start_ms": 0, "end_ms": 1},
        {"scene_index": 1, "start_ms": 1, "end_ms": 5},
        {"scene_index": 2, "start_ms": 5, "end_ms": 10},
    ]
    assert scenes_from_cuts([], 0) == []


def test_an_analysis_may_have_windows_of_its_own_length() -> None:
    sizes = WindowSizes(default_ms=300_000, by_analysis={"transcription": 60_000})
    assert (sizes.of("transcription"), sizes.of("ocr")) == (60_000, 300_000)


def test_without_a_grid_windows_are_as_long_as_asked_and_a_one_millisecond_video_has_one() -> None:
    assert plan(10_000, 3333) == [
        Window(0, 0, 3333),
        Window(1, 3333, 6666),
        Window(2, 6666, 9999),
        Window(3, 9999, 10_000),
    ]
    assert plan(1, 1000) == [Window(0, 0, 1)]


def test_a_cut_segment_keeps_its_detected_language_probability_and_checkpoint() -> None:
    words = [word("Bonjour", 9000, 9600), word("à", 9700, 9800), word("Paris", 10_100, 10_700)]
    detected = {"language": "fr", "language_probability": 0.64, "checkpoint": "base"}
    segment = seg(text="Bonjour à Paris", start_ms=9000, end_ms=10_700, words=words, **detected)
    kept = words_inside(Window(0, 0, 10_000), [segment]) + words_inside(Window(1, 10_000, 20_000), [segment])
    assert [k.text for k in kept] == ["Bonjour à", "Paris"]
    assert all((k.language, k.language_probability, k.checkpoint) == ("fr", 0.64, "base") for k in kept)
