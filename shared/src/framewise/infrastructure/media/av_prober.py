"""Probing and fingerprinting with PyAV (FFmpeg's libraries, bundled in the wheel) and xxhash."""

import asyncio
from fractions import Fraction

import av

from framewise.application.results import MediaUnreadable
from framewise.domain.video import MediaInfo
from framewise.infrastructure.media.fingerprint import fingerprint_file


def probe_file(path: str) -> MediaInfo:
    """Open the container, require a video stream and decode its first frame (catches truncation)."""
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.video:
                raise MediaUnreadable("no video stream")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            if not rate:
                raise MediaUnreadable("video stream has no frame rate")
            if container.duration is not None:
                duration_ms = container.duration // 1000
            elif stream.duration is not None and stream.time_base is not None:
                duration_ms = int(stream.duration * stream.time_base * 1000)
            else:
                raise MediaUnreadable("video has no duration")
            if next(container.decode(stream), None) is None:
                raise MediaUnreadable("video stream has no decodable frame")
            return MediaInfo(
                duration_ms=int(duration_ms),
                fps=float(Fraction(rate)),
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                has_audio=bool(container.streams.audio),
            )
    except MediaUnreadable:
        raise
    except av.FFmpegError as exc:  # its text ends with the file's path: keep only what went wrong
        raise MediaUnreadable(f"not a readable video: {exc.strerror or type(exc).__name__}") from exc
    except (OSError, ValueError) as exc:
        raise MediaUnreadable(f"not a readable video: {_without_path(exc, path)}") from exc


def _without_path(exc: Exception, path: str) -> str:
    """An error's text with the file's absolute path taken out (messages name no server paths)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).replace(path, "<file>")


class AvMediaProber:
    """Fingerprints and probes files off the event loop."""

    async def fingerprint(self, absolute_path: str) -> str:
        try:
            return await asyncio.to_thread(fingerprint_file, absolute_path)
        except OSError as exc:
            raise MediaUnreadable(f"cannot read file: {exc.strerror or exc}") from exc

    async def probe(self, absolute_path: str) -> MediaInfo:
        return await asyncio.to_thread(probe_file, absolute_path)
