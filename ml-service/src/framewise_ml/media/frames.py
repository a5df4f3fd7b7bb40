"""Frames sampled at an interval, decoded in one pass, with exact frame index and timestamp.

A frame that other frames are predicted from must be decoded even when it is not sampled; only the
sampled ones are converted to RGB arrays, the costly step for the frames a model never sees. A frame
that no other frame refers to (most B-frames of H.264 and HEVC) and that comes before the next
sample is not decoded at all (FFmpeg's `skip_frame`, set packet by packet): the samples are the same
frames, bit for bit, for a quarter less decoding on x264's defaults.
"""

import time
from typing import cast
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from framewise_ml.abandon import check_abandoned
from framewise_ml.models.base import BadMedia

RGB = npt.NDArray[np.uint8]

_decode_threads = 0  # 0: FFmpeg's own choice (about one a core); the CPU budget sets it (cpu_budget.py)


def set_decode_threads(threads: int) -> None:
    """Decode on at most `threads` threads from now on (0: FFmpeg's choice). One thread decodes a
    frame at a time with no threading at all; more decode frames in parallel."""
    global _decode_threads  # noqa: PLW0603 - process-wide, as torch's and OpenCV's pools are
    _decode_threads = max(0, threads)


@dataclass(frozen=True)
class Frame:
    index: int  # 0-based frame number in presentation order, counted from the stream's start
    timestamp_ms: int  # presentation time from the stream's start
    image: RGB  # height x width x 3, RGB


@dataclass
class DecodeCount:
    """How many frames the decoder gave back in one pass (the skipped ones are not among them)."""

    decoded: int = 0


@dataclass(frozen=True)
class VideoInfo:
    fps: float
    width: int
    height: int
    duration_ms: int


def _open(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise BadMedia(f"not a readable video: {exc}") from exc
    if not container.streams.video:
        container.close()
        raise BadMedia("the file has no video stream")
    return container


def probe_video(path: Path) -> VideoInfo:
    with _open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        if not rate:
            raise BadMedia("the video stream has no frame rate")
        duration = (
            float(stream.duration * stream.time_base)
            if stream.duration and stream.time_base
            else (container.duration or 0) / av.time_base
        )
        return VideoInfo(float(rate), stream.codec_context.width, stream.codec_context.height, round(duration * 1000))


def sample_frames(
    path: Path,
    *,
    interval_ms: int,
    start_ms: int | None = None,
    end_ms: int | None = None,
    max_side: int | None = None,
    count: DecodeCount | None = None,
) -> Iterator[Frame]:
    """One frame per `interval_ms` of video time inside [start_ms, end_ms): the first frame at or
    after each multiple of the interval. `max_side` scales frames down (never up) so that their
    longer side is at most that many pixels; `count`, when given, counts the frames decoded.
    Raises BadMedia when nothing can be decoded."""
    if interval_ms <= 0:
        raise ValueError("sampling interval must be positive")
    with _open(path) as container:
        stream = container.streams.video[0]
        if _decode_threads != 1:
            stream.thread_type = "AUTO"  # frames in parallel as well as slices
        if _decode_threads:
            stream.thread_count = _decode_threads
        rate = stream.average_rate or stream.guessed_rate
        time_base = stream.time_base or Fraction(1, 1000)
        if not rate:
            raise BadMedia("the video stream has no frame rate")
        origin = stream.start_time or 0
        if start_ms:
            container.seek(int(start_ms / 1000 / time_base) + origin, stream=stream, backward=True)
        # The global grid: the first sample of a window is due at the first multiple of the
        # interval at or after its start, as in a single pass from the beginning.
        next_due = -(-(start_ms or 0) // interval_ms) * interval_ms
        count = count if count is not None else DecodeCount()
        codec = stream.codec_context
        try:
            for packet in container.demux(stream):
                # Before the next sample (next_due only grows, so a stale one errs towards decoding):
                # a frame nothing refers to is skipped. A packet without a time is decoded.
                early = packet.pts is not None and round(float((packet.pts - origin) * time_base) * 1000) < next_due
                codec.skip_frame = "NONREF" if early else "DEFAULT"
                for frame in packet.decode():
                    count.decoded += 1
                    if frame.pts is None:
                        continue
                    seconds = float((frame.pts - origin) * time_base)
                    timestamp_ms = round(seconds * 1000)
                    if end_ms is not None and timestamp_ms >= end_ms:
                        return
                    if timestamp_ms < next_due:
                        continue
                    index = round(seconds * float(rate))
                    check_abandoned()  # between frames: an abandoned request stops here
                    yield Frame(index, timestamp_ms, _to_rgb(frame, max_side))
                    next_due = (timestamp_ms // interval_ms + 1) * interval_ms
        except av.error.FFmpegError as exc:
            if count.decoded == 0:
                raise BadMedia(f"the video could not be decoded: {exc}") from exc
            # A truncated tail: keep what decoded; the frames so far are right.
        if count.decoded == 0:
            raise BadMedia("the video has no decodable frame")


def batched(frames: Iterator[Frame], size: int) -> Iterator[tuple[list[Frame], float]]:
    """Runs of up to `size` frames of one shape (a stream may change resolution midway, and a batch
    must stack), each with the seconds spent decoding it, to report apart from inference."""
    carry: Frame | None = None
    while True:
        started = time.perf_counter()
        batch = [carry] if carry is not None else []
        carry = None
        for frame in frames:
            if batch and frame.image.shape != batch[0].image.shape:
                carry = frame
                break
            batch.append(frame)
            if len(batch) == size:
                break
        if not batch:
            return
        yield batch, time.perf_counter() - started


def _to_rgb(frame: av.VideoFrame, max_side: int | None) -> RGB:
    width, height = frame.width, frame.height
    scale = min(1.0, max_side / max(width, height)) if max_side else 1.0
    if scale < 1.0:
        width, height = max(2, round(width * scale)), max(2, round(height * scale))
        return cast(RGB, frame.to_ndarray(format="rgb24", width=width, height=height))
    return cast(RGB, frame.to_ndarray(format="rgb24"))
