"""Stills of the exact frame shown at a time: for times all over a clip whose every frame has its own
colour, the still is the frame a player shows then (the last frame starting at or before it), not
the keyframe before nor the next frame; and the cache keeps within its bound."""

import asyncio
import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from framewise.infrastructure.media.thumbnails import CachedFrameGrabber, grab_frame
from framewise_dev.media import Segment, make_sample_video

pytestmark = pytest.mark.integration


def paint(image: Image.Image, index: int) -> None:
    colour = ((index * 7) % 256, (index * 13) % 256, (index * 29) % 256)
    ImageDraw.Draw(image).rectangle((0, 0, image.width, image.height), fill=colour)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Fraction, np.ndarray]]:
    path = tmp_path_factory.mktemp("frames") / "frames.mp4"
    make_sample_video(path, segments=[Segment(6.0, (0, 0, 0), moving_square=False, painter=paint)], fps=25)
    reference = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            reference[frame.pts * stream.time_base] = frame.to_ndarray(format="rgb24").mean(axis=(0, 1))
    return path, reference


def test_each_still_is_the_frame_shown_at_that_time(clip: tuple[Path, dict[Fraction, np.ndarray]]) -> None:
    path, reference = clip
    starts = sorted(reference)
    for t_ms in range(0, 6000, 53):
        shown = max(t for t in starts if t * 1000 <= t_ms)
        still = np.asarray(Image.open(io.BytesIO(grab_frame(str(path), t_ms, None))).convert("RGB")).mean(axis=(0, 1))
        nearest = min(starts, key=lambda t: float(np.abs(reference[t] - still).sum()))
        assert nearest == shown, f"at {t_ms} ms the still is the frame of {float(nearest) * 1000:.0f} ms"


def test_the_cache_serves_repeats_and_keeps_within_its_bound(
    clip: tuple[Path, dict[Fraction, np.ndarray]], tmp_path: Path
) -> None:
    path, _ = clip
    one_still = len(grab_frame(str(path), 0, None))
    grabber = CachedFrameGrabber(tmp_path / "stills", max_bytes=3 * one_still + 100)
    first = asyncio.run(grabber.jpeg(str(path), "fw1:a", 1000, None))
    assert asyncio.run(grabber.jpeg(str(path), "fw1:a", 1000, None)) == first
    for t_ms in range(0, 5000, 500):
        asyncio.run(grabber.jpeg(str(path), "fw1:a", t_ms, None))
    kept = list((tmp_path / "stills").glob("*/*.jpg"))
    assert 1 <= len(kept) <= 4 and sum(f.stat().st_size for f in kept) <= 3 * one_still + 100 + one_still
    assert asyncio.run(grabber.jpeg(str(path), "fw1:b", 1000, 64)) != first  # another file's, another width
