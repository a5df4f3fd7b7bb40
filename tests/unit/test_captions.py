"""Captions are valid WebVTT whatever the transcript says: cue text is text, never markup. Each cue
is read back by a WebVTT parser (webvtt-py, whose `text` drops cue tags such as `<b>` as a player
does) and, its character references resolved, is the transcript's line as said."""

import html

import srt
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.application.use_cases.video_media import Cue
from framewise_api.captions import to_srt, to_vtt

MARKUP_LIKE = ["<b>", "</b>", "<i>x</i>", "<v Mayor>", "<c.red>", "<00:00:01.000>", "R&D", "&amp;", "&lt;", "-->", ">"]


def read_back(vtt: str) -> list[str]:
    return [html.unescape(caption.text) for caption in webvtt.from_string(vtt)]


def test_markup_in_speech_is_shown_as_said() -> None:
    said = ["She wrote <b>bold</b> on the board", "R&D spent 5 < 6 > 4", "from A --> B", "&amp; is an entity"]
    cues = [Cue(1000 * i, 1000 * i + 900, text) for i, text in enumerate(said)]
    vtt = to_vtt(cues)
    assert "<b>" not in vtt and "R&D" not in vtt and "-->" not in vtt.split("\n\n", 1)[1].replace(" --> ", "")
    assert read_back(vtt) == said


@settings(max_examples=300)
@given(
    st.lists(
        st.lists(st.one_of(st.sampled_from(MARKUP_LIKE), st.text(min_size=1, max_size=12)), min_size=1, max_size=8).map(
            "".join
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_reads_back_as_its_one_line_self(texts: list[str]) -> None:
    cues = [Cue(1000 * i, 1000 * i + 500, text) for i, text in enumerate(texts)]
    expected = [" ".join(text.split()) for text in texts]
    if any(not line for line in expected):  # a cue of white space alone is no cue at all
        return
    assert read_back(to_vtt(cues)) == expected
    subtitles = list(srt.parse(to_srt(cues)))  # SubRip has no escapes: an arrow is shortened, nothing else
    assert [s.content for s in subtitles] == [line.replace("-->", "->") for line in expected]
