"""Windows of media time: the plan, and how speech and cuts join across a boundary."""

import pytest

from framewise.domain.windows import (
    Stitching,
    Window,
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


def test_a_word_on_the_boundary_is_kept_once_by_the_window_holding_its_middle() -> None:
    segment = {
        "text": "the quick brown fox",
        "start_ms": 9000,
        "end_ms": 11_000,
        "language": "en",
        "words": [
            word(" the", 9000, 9400),
            word(" quick", 9500, 9900),
            word(" brown", 9800, 10_400),
            word(" fox", 10_500, 11_000),
        ],
    }
    first, second = Window(0, 0, 10_000), Window(1, 10_000, 20_000)
    kept_first, kept_second = words_inside(first, [segment]), words_inside(second, [segment])
    # "brown" straddles 10 000 with its middle at 10 100: the second window's
    assert [(k["text"], k["start_ms"], k["end_ms"]) for k in kept_first] == [("the quick", 9000, 9900)]
    assert [(k["text"], k["start_ms"], k["end_ms"]) for k in kept_second] == [("brown fox", 9800, 11_000)]


def test_every_word_lands_in_exactly_one_window() -> None:
    words = [word(f" w{i}", i * 700, i * 700 + 650) for i in range(40)]
    segment = {
        "text": "".join(w["word"] for w in words),
        "start_ms": 0,
        "end_ms": 28_000,
        "language": "en",
        "words": words,
    }
    windows = plan(28_000, 4000)
    kept = [w["word"] for win in windows for s in words_inside(win, [segment]) for w in s["words"]]
    assert kept == [w["word"] for w in words]


def test_cuts_join_into_the_scenes_of_one_pass() -> None:
    second = Window(1, 10_000, 20_000)
    # asked from 7000: a cut at 8000 (already the first window's) and at 10 000 (on the boundary)
    scenes = [
        {"start_ms": 7000, "end_ms": 8000},
        {"start_ms": 8000, "end_ms": 10_000},
        {"start_ms": 10_000, "end_ms": 20_000},
    ]
    cuts, end = cuts_inside(second, scenes)
    assert (cuts, end) == ([10_000], 20_000)
    assert scenes_from_cuts([8000, *cuts], end) == [
        {"scene_index": 0, "start_ms": 0, "end_ms": 8000},
        {"scene_index": 1, "start_ms": 8000, "end_ms": 10_000},
        {"scene_index": 2, "start_ms": 10_000, "end_ms": 20_000},
    ]
    assert scenes_from_cuts([], 20_000) == [{"scene_index": 0, "start_ms": 0, "end_ms": 20_000}]  # no invented cut
