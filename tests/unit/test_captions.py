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


def test_a_cue_says_who_speaks_in_webvtt_voice_spans_and_srt_prefixes() -> None:
    cues = [
        Cue(0, 900, "Good evening.", "Ada Lovelace"),
        Cue(1000, 1900, "Thank you.", "Speaker 2"),
        Cue(2000, 2900, "Applause"),  # nobody known: no voice
        Cue(3000, 3900, "R&D <b>", "Tom & <Jerry>"),
    ]
    captions = webvtt.from_string(to_vtt(cues))
    assert [c.voice and html.unescape(c.voice) for c in captions] == [
        "Ada Lovelace",
        "Speaker 2",
        None,
        "Tom & <Jerry>",
    ]
    assert read_back(to_vtt(cues)) == ["Good evening.", "Thank you.", "Applause", "R&D <b>"]
    assert "<v Ada Lovelace>Good evening." in to_vtt(cues)
    assert [s.content for s in srt.parse(to_srt(cues))] == [
        "Ada Lovelace: Good evening.",
        "Speaker 2: Thank you.",
        "Applause",
        "Tom & <Jerry>: R&D <b>",
    ]


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=20).filter(lambda t: bool(t.split())),
            st.text(min_size=1, max_size=20).filter(lambda t: bool(t.split())),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_speaker_name_reads_back_as_the_cues_voice(said: list[tuple[str, str]]) -> None:
    cues = [Cue(1000 * i, 1000 * i + 500, text, voice) for i, (voice, text) in enumerate(said)]
    captions = webvtt.from_string(to_vtt(cues))
    assert [html.unescape(c.voice) for c in captions] == [" ".join(voice.split()) for voice, _ in said]
    assert read_back(to_vtt(cues)) == [" ".join(text.split()) for _, text in said]
