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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _srt_line(text: str) -> str:
    """One line of SubRip cue text: no line breaks, no arrow that would read as a timing line."""
    return _one_line(text).replace("-->", "->")


def _vtt_line(text: str) -> str:
    """One line of WebVTT cue text, as text: `&`, `<` and `>` escaped, so a transcript that says `<b>`
    or `R&D` is not read as markup (and an arrow cannot read as a timing line: its `>` is escaped)."""
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_cue(cue: Cue) -> str:
    """A cue's text; with a voice span (`<v Ada Lovelace>`) when it says who speaks. The voice's
    annotation is text to its closing `>`: escaped as the text is."""
    text = _vtt_line(cue.text)
    return text if cue.voice is None else f"<v {_vtt_line(cue.voice)}>{text}"


def to_vtt(cues: list[Cue]) -> str:
    return str(
        WebVTT(captions=[Caption(_vtt_time(c.start_ms), _vtt_time(c.end_ms), _vtt_cue(c)) for c in cues]).content
    )


def to_srt(cues: list[Cue]) -> str:
    subtitles = [
        srt.Subtitle(
            index=i,
            start=timedelta(milliseconds=c.start_ms),
            end=timedelta(milliseconds=c.end_ms),
            content=_srt_line(c.text if c.voice is None else f"{c.voice}: {c.text}"),
        )
        for i, c in enumerate(cues, 1)
    ]
    return str(srt.compose(subtitles))
