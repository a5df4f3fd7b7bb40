"""Stills of exact frames with PyAV, kept in a size-bounded folder.

The frame shown at `t_ms` is the last one whose presentation time is at or before it: the decoder
seeks to the keyframe before `t_ms` and decodes forward to it (a keyframe alone would be up to a
GOP early). Stills are JPEG, scaled to a width when asked (aspect kept, never enlarged). The cache
is keyed by the file's content hash, the time and the width, so a changed file never shows an old
still; when the folder grows past its bound, the least recently used stills go first.
"""

import asyncio
import hashlib
import io
import os
import threading
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from framewise.application.results import MediaUnreadable

JPEG_QUALITY = 85


def grab_frame(path: str, t_ms: int, width: int | None) -> bytes:
    """The JPEG of the frame shown at `t_ms` (MediaUnreadable when the file cannot be decoded)."""
    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            time_base = stream.time_base or Fraction(1, 1000)
            origin = stream.start_time or 0
            target = origin + int(Fraction(t_ms, 1000) / time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            shown = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if frame.pts > target:  # past t: the frame before is the one shown (or, first of all, this)
                    if shown is None:
                        shown = frame
                    break
                shown = frame
            if shown is None:
                raise MediaUnreadable(f"no frame at {t_ms} ms")
            image = shown.to_image()  # type: ignore[no-untyped-call]
    except av.FFmpegError as exc:
        raise MediaUnreadable(f"the video could not be decoded: {exc.strerror or type(exc).__name__}") from exc
    if width is not None and width < image.width:
        image = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


class CachedFrameGrabber:
    """Stills from `grab_frame`, kept under `folder` up to `max_bytes` (least recently used go first)."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self._folder, self._max_bytes = folder, max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes in the folder, counted once, then kept up to date

    def _key(self, content_hash: str, t_ms: int, width: int | None) -> Path:
        name = hashlib.sha256(f"{content_hash}:{t_ms}:{width or 0}".encode()).hexdigest()
        return self._folder / name[:2] / f"{name}.jpg"

    async def jpeg(self, absolute_path: str, content_hash: str, t_ms: int, width: int | None) -> bytes:
        cached = self._key(content_hash, t_ms, width)
        try:
            data = await asyncio.to_thread(cached.read_bytes)
        except OSError:
            pass
        else:
            os.utime(cached)  # recently used
            return data
        data = await asyncio.to_thread(grab_frame, absolute_path, t_ms, width)
        await asyncio.to_thread(self._keep, cached, data)
        return data

    def _keep(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{threading.get_ident()}.partial")
        partial.write_bytes(data)
        partial.replace(path)
        with self._lock:
            if self._total is None:
                self._total = sum(size for _, size, _ in self._files())
            else:
                self._total += len(data)
            if self._total > self._max_bytes:
                self._total = self._trim()

    def _files(self) -> list[tuple[float, int, Path]]:
        files = []
        for entry in self._folder.glob("*/*.jpg"):
            try:
                stat = entry.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, entry))
        return files

    def _trim(self) -> int:
        """Remove the least recently used stills until the folder is within its bound; its size."""
        files = self._files()
        total = sum(size for _, size, _ in files)
        for _, size, entry in sorted(files):
            if total <= self._max_bytes:
                break
            entry.unlink(missing_ok=True)
            total -= size
        return total
