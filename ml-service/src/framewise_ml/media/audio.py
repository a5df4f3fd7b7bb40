"""The audio track as 16 kHz mono float32 samples, the input speech models expect."""

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from framewise_ml.models.base import BadMedia

SAMPLE_RATE = 16_000


def load_audio(path: Path, *, start_ms: int | None = None, end_ms: int | None = None) -> npt.NDArray[np.float32] | None:
    """Samples in [-1, 1] of the first audio stream inside the window, or None when there is none."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise BadMedia(f"not a readable media file: {exc}") from exc
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[npt.NDArray[np.float32]] = []
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise BadMedia(f"the audio could not be decoded: {exc}") from exc
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    first = round((start_ms or 0) * SAMPLE_RATE / 1000)
    last = round(end_ms * SAMPLE_RATE / 1000) if end_ms is not None else len(samples)
    return samples[first:last]
