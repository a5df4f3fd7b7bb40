"""Sampling skips the frames nothing needs and still gives exactly the frames of a plain decode: for
any interval, window and decoder thread count, the frames sample_frames yields are, bit for bit, the
first frame at or after each multiple of the interval among all the frames decoded one by one."""

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framewise_dev.media import Segment, make_sample_video
from framewise_ml.media import frames
from framewise_ml.media.frames import DecodeCount, sample_frames

pytestmark = pytest.mark.property

Decoded = list[tuple[int, int, bytes]]  # frame index, timestamp, RGB bytes


@pytest.fixture(scope="module")
def moving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """x264's defaults (B-frames, most of them referred to by no other frame); a square moves."""
    segments = [Segment(1.5, (20, 30, 120), "ONE"), Segment(2.5, (200, 120, 40), "TWO"), Segment(2.0, (40, 200, 160))]
    return make_sample_video(tmp_path_factory.mktemp("moving") / "moving.mp4", segments=segments, fps=25).path


@pytest.fixture(scope="module")
def every_frame(moving: Path) -> Decoded:
    """Every frame, decoded one after another with nothing skipped."""
    with av.open(str(moving)) as container:
        stream = container.streams.video[0]
        rate, base, origin = stream.average_rate, stream.time_base or Fraction(1, 1000), stream.start_time or 0
        assert rate is not None
        out = []
        for frame in container.decode(stream):
            seconds = float((frame.pts - origin) * base)
            image = frame.to_ndarray(format="rgb24").tobytes()
            out.append((round(seconds * float(rate)), round(seconds * 1000), image))
        return out


def expected(every: Decoded, interval_ms: int, start_ms: int, end_ms: int | None) -> Iterator[tuple[int, int, bytes]]:
    due = -(-start_ms // interval_ms) * interval_ms
    for index, ms, image in every:
        if end_ms is not None and ms >= end_ms:
            return
        if ms >= due:
            yield index, ms, image
            due = (ms // interval_ms + 1) * interval_ms


@pytest.fixture
def decode_threads() -> Iterator[None]:
    before = frames._decode_threads
    yield
    frames.set_decode_threads(before)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    interval_ms=st.sampled_from([40, 120, 500, 1000, 2000]),
    start_ms=st.integers(0, 5000),
    length_ms=st.one_of(st.none(), st.integers(1, 6000)),
    threads=st.sampled_from([1, 2, 0]),
)
def test_sampled_frames_are_those_of_a_plain_decode(
    moving: Path,
    every_frame: Decoded,
    decode_threads: None,
    interval_ms: int,
    start_ms: int,
    length_ms: int | None,
    threads: int,
) -> None:
    frames.set_decode_threads(threads)
    end_ms = None if length_ms is None else start_ms + length_ms
    got = [
        (f.index, f.timestamp_ms, f.image.tobytes())
        for f in sample_frames(moving, interval_ms=interval_ms, start_ms=start_ms or None, end_ms=end_ms)
    ]
    assert got == list(expected(every_frame, interval_ms, start_ms, end_ms))


def test_frames_that_nothing_needs_are_not_decoded(moving: Path, every_frame: Decoded, decode_threads: None) -> None:
    frames.set_decode_threads(1)
    count = DecodeCount()
    assert len(list(sample_frames(moving, interval_ms=1000, count=count))) == 6
    assert count.decoded < 0.8 * len(every_frame)  # x264's non-reference B-frames between samples
    every = DecodeCount()
    assert len(list(sample_frames(moving, interval_ms=40, count=every))) == len(every_frame)
    assert every.decoded == len(every_frame)  # every frame is a sample: nothing is skipped
