"""A windowed task's progress and time left (`framewise.domain.progress`): the estimate is wall time
at the pace of the last windows of this attempt, waits included, so it follows a change of pace and
never counts the time between attempts."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.domain.progress import PACE_WINDOWS, Checkpoint, fraction_done, time_left_s

START = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_fraction_done_is_committed_media_over_the_whole() -> None:
    assert fraction_done(3_600_000, 900_000) == 0.25
    assert fraction_done(3_600_000, 4_000_000) == 1.0
    assert fraction_done(0, 0) == 0.0  # unknown length: nothing to say until it is done


def test_the_first_window_is_timed_from_the_attempts_start_waits_included() -> None:
    # A 5-minute window committed 600 s after the attempt began (it waited behind other work): the
    # remaining 55 minutes take 11 times as long, not 11 times its compute time.
    assert time_left_s(3_300_000, [Checkpoint(300_000, at(600))], since=START) == pytest.approx(6600)


def test_the_pace_is_that_of_the_last_windows() -> None:
    # Three slow windows (the machine shared with five other analyses), then three fast ones alone.
    slow = [Checkpoint(300_000, at(500 * (i + 1))) for i in range(3)]
    fast = [Checkpoint(300_000, at(1500 + 100 * (i + 1))) for i in range(3)]
    assert time_left_s(1_800_000, slow + fast, since=START) == pytest.approx(600)  # 100 s a window
    assert time_left_s(1_800_000, slow, since=START) == pytest.approx(3000)  # 500 s a window
    assert PACE_WINDOWS == 3


def test_windows_of_an_earlier_attempt_do_not_count() -> None:
    earlier = [Checkpoint(300_000, at(100)), Checkpoint(300_000, at(200))]
    resumed = START + timedelta(hours=1)  # the worker died; the lease ran out; a new attempt began
    assert time_left_s(600_000, earlier, since=resumed) is None  # nothing measured yet in this one
    assert time_left_s(600_000, [*earlier, Checkpoint(300_000, resumed + timedelta(seconds=150))], since=resumed) == (
        pytest.approx(300)
    )


def test_nothing_to_measure_gives_no_estimate_and_nothing_left_is_zero() -> None:
    assert time_left_s(600_000, [], since=START) is None
    assert time_left_s(600_000, [Checkpoint(300_000, at(10))], since=None) is None  # its start is unknown
    assert time_left_s(600_000, [Checkpoint(300_000, START)], since=START) is None  # no time passed
    assert time_left_s(0, [Checkpoint(300_000, at(10))], since=START) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(1_000, 600_000), min_size=1, max_size=30),
    seconds_per_media_s=st.floats(0.01, 50.0),
    started_s=st.floats(0.0, 3_600.0),
    remaining_ms=st.integers(1, 10 * 3_600_000),
)
def test_at_a_steady_pace_the_estimate_is_the_rest_at_that_pace(
    sizes: list[int], seconds_per_media_s: float, started_s: float, remaining_ms: int
) -> None:
    """Whatever the window sizes and whenever the attempt began, windows committed at a steady
    wall-clock pace give the rest at that pace, from the first window on."""
    since = at(started_s)
    clock, checkpoints = since, []
    for size in sizes:
        clock += timedelta(seconds=size / 1000 * seconds_per_media_s)
        checkpoints.append(Checkpoint(size, clock))
    estimate = time_left_s(remaining_ms, checkpoints, since=since)
    assert estimate == pytest.approx(remaining_ms / 1000 * seconds_per_media_s, rel=1e-3)


def test_nothing_left_is_zero_even_before_anything_was_measured() -> None:
    assert time_left_s(0, [], since=START) == 0.0
    assert time_left_s(0, [], since=None) == 0.0


def test_without_the_attempts_start_the_first_window_only_marks_where_the_next_one_starts() -> None:
    assert time_left_s(600_000, [], since=None) is None
    first, second = Checkpoint(300_000, at(1000)), Checkpoint(100_000, at(1050))
    assert time_left_s(600_000, [second, first], since=None) == pytest.approx(300)  # 50 s for 100 s of media


def test_windows_without_media_give_no_pace_and_one_millisecond_is_a_pace() -> None:
    assert time_left_s(600_000, [Checkpoint(0, at(30))], since=START) is None
    assert time_left_s(600_000, [Checkpoint(1, at(30))], since=START) == pytest.approx(600_000 * 30)


@settings(max_examples=200)
@given(total_ms=st.integers(1, 10**9), committed_ms=st.integers(0, 2 * 10**9))
def test_the_fraction_done_is_the_committed_share_of_any_known_length(total_ms: int, committed_ms: int) -> None:
    assert fraction_done(total_ms, committed_ms) == min(1.0, committed_ms / total_ms)
