"""Cues written as WebVTT (webvtt-py) or SubRip (srt): the formats players and editors read."""

from datetime import timedelta

import srt
from webvtt import Caption, WebVTT

from framewise.application.use_cases.video_media import Cue


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _line(text: str) -> str:
    """One line of cue text: no line breaks, no arrow that would read as a timing line."""
    return " ".join(text.split()).replace("-->", "->")


def to_vtt(cues: list[Cue]) -> str:
    return str(
        WebVTT(captions=[Caption(_vtt_time(c.start_ms), _vtt_time(c.end_ms), _line(c.text)) for c in cues]).content
    )


def to_srt(cues: list[Cue]) -> str:
    subtitles = [
        srt.Subtitle(
            index=i,
            start=timedelta(milliseconds=c.start_ms),
            end=timedelta(milliseconds=c.end_ms),
            content=_line(c.text),
        )
        for i, c in enumerate(cues, 1)
    ]
    return str(srt.compose(subtitles))
