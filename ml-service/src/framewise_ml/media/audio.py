"""The audio track as 16 kHz mono float32 samples, the input speech models expect."""

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from framewise_ml.models.base import BadMedia

SAMPLE_RATE = 16_000
PREROLL_S = 0.5


def load_audio(path: Path, *, start_ms: int | None = None, end_ms: int | None = None) -> npt.NDArray[np.float32] | None:
    """Samples in [-1, 1] of the first audio stream inside [start_ms, end_ms), or None when there is
    none. Only the window is decoded (a seek to its start, a stop at its end), so memory follows the
    window, not the length of the file."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise BadMedia(f"not a readable media file: {exc}") from exc
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        time_base = stream.time_base
        origin = stream.start_time or 0
        if start_ms and time_base:
            # From a little before, so the resampler has settled by the window's first sample.
            preroll_s = max(0.0, start_ms / 1000 - PREROLL_S)
            container.seek(int(preroll_s / time_base) + origin, stream=stream, backward=True)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[npt.NDArray[np.float32]] = []
        first_ms: float | None = None
        try:
            for frame in container.decode(stream):
                at_ms = float((frame.pts - origin) * time_base) * 1000 if frame.pts is not None and time_base else None
                if first_ms is None:
                    first_ms = at_ms if at_ms is not None else 0.0
                if end_ms is not None and at_ms is not None and at_ms >= end_ms:
                    break
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise BadMedia(f"the audio could not be decoded: {exc}") from exc
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    decoded_from = first_ms or 0.0
    first = max(0, round(((start_ms or 0) - decoded_from) * SAMPLE_RATE / 1000))
    last = round((end_ms - decoded_from) * SAMPLE_RATE / 1000) if end_ms is not None else len(samples)
    return samples[first:last]
