"""Speaker turns on generated conversations: espeak-ng voices that differ (a man and two women,
`framewise_dev.media.VOICES`), turns separated by short pauses, transcribed by the real Whisper base
and voiced by resemblyzer's real encoder.

Every turn comes out as its own item, within 0.5 s of where it is audible; turns of one voice lie
closer than SAME_SPEAKER and turns of two voices farther, in one video and across two (the same
voice in another video is the same speaker); a segment in which the voice changes is split at the
pause between the two; `speakers: false` answers as before, without voices.
"""

import itertools
from pathlib import Path

import numpy as np
import pytest

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import TranscriptSegmentV1
from framewise_dev.media import Conversation, make_conversation_video
from framewise_ml.media.audio import load_audio
from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.transcribe import TranscribeModel
from tests.tools import require_tool

pytestmark = pytest.mark.ml

# The cosine above which two turns are one voice: two turns of one espeak-ng voice measure 0.8 or
# more here, two voices 0.72 or less (docs/design/speakers.md).
SAME_SPEAKER = 0.76
MEETING = [
    ("adam", "Good morning everyone, and thank you for coming to the meeting today."),
    ("beth", "Thank you. I would like to talk about the budget for the new library."),
    ("adam", "Of course. How much money do we need for the building this year?"),
    ("dora", "About two million dollars, and the work can start in the spring."),
    ("beth", "That sounds reasonable to me, as long as the roof is repaired first."),
    ("adam", "Then let us vote on it at the meeting next week."),
]
LATER = [  # the same people, another day, other words
    ("beth", "The library opened on Monday and the children loved the new books."),
    ("dora", "We finished the roof before the rain came in October."),
    ("adam", "I would like to thank everybody who worked on the building."),
]


@pytest.fixture(scope="module")
def voiced(model_cache: Path) -> TranscribeModel:
    model = TranscribeModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


@pytest.fixture(scope="module")
def meetings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Conversation]:
    require_tool("espeak-ng")
    folder = tmp_path_factory.mktemp("conversations")
    return {
        "meeting": make_conversation_video(folder / "meeting.mp4", MEETING),
        "later": make_conversation_video(folder / "later.mp4", LATER, gap_s=0.3),
    }


def turns_of(model: TranscribeModel, conversation: Conversation, **config: object) -> list[TranscriptSegmentV1]:
    path = conversation.video.path
    request = InferenceRequest(video_path=str(path), config={"language": "en", **config})
    return [TranscriptSegmentV1.model_validate(item) for item in model.predict(request, path).items]


def speaker_of(item: TranscriptSegmentV1, conversation: Conversation) -> str:
    """The speaker of the generated turn the item overlaps most."""
    turn = max(conversation.turns, key=lambda t: min(t.end_ms, item.end_ms) - max(t.start_ms, item.start_ms))
    return turn.speaker


def cosine(a: TranscriptSegmentV1, b: TranscriptSegmentV1) -> float:
    assert a.voice is not None and b.voice is not None
    return float(np.dot(a.voice, b.voice) / (np.linalg.norm(a.voice) * np.linalg.norm(b.voice)))


def test_each_turn_is_an_item_with_its_voice_where_it_is_heard(
    voiced: TranscribeModel, meetings: dict[str, Conversation]
) -> None:
    meeting = meetings["meeting"]
    items = turns_of(voiced, meeting)
    assert len(items) == len(meeting.turns), [i.text for i in items]
    for item, turn in zip(items, meeting.turns, strict=True):
        assert abs(item.start_ms - turn.start_ms) <= 500 and abs(item.end_ms - turn.end_ms) <= 500, (item, turn)
        assert item.voice is not None and len(item.voice) == 256
    for a, b in itertools.combinations(items, 2):
        same = speaker_of(a, meeting) == speaker_of(b, meeting)
        assert (cosine(a, b) >= SAME_SPEAKER) == same, (a.text, b.text, round(cosine(a, b), 3))


def test_the_same_voice_in_another_video_is_the_same_speaker_and_other_voices_are_not(
    voiced: TranscribeModel, meetings: dict[str, Conversation]
) -> None:
    first = [(i, speaker_of(i, meetings["meeting"])) for i in turns_of(voiced, meetings["meeting"])]
    later = [(i, speaker_of(i, meetings["later"])) for i in turns_of(voiced, meetings["later"])]
    assert sorted(s for _, s in later) == ["adam", "beth", "dora"]
    for (a, who), (b, other) in itertools.product(first, later):
        assert (cosine(a, b) >= SAME_SPEAKER) == (who == other), (a.text, b.text, round(cosine(a, b), 3))


def test_a_segment_in_which_the_voice_changes_is_split_at_the_pause(
    voiced: TranscribeModel, meetings: dict[str, Conversation]
) -> None:
    """Whisper cut these turns itself; joined into one segment (as it does when a reply follows
    closely), the voices split it again where the second speaker starts."""
    meeting = meetings["meeting"]
    items = turns_of(voiced, meeting, speakers=False)
    assert all(i.voice is None for i in items)
    first, second = items[0].model_dump(), items[1].model_dump()
    joined = {
        **first,
        "text": f"{first['text']} {second['text']}",
        "end_ms": second["end_ms"],
        "words": [*first["words"], *second["words"]],
    }
    audio = load_audio(meeting.video.path)
    assert audio is not None
    parts = [TranscriptSegmentV1.model_validate(p) for p in voiced.voices.turns(audio, 0, [joined])]
    assert [p.text for p in parts] == [first["text"], second["text"]]
    assert abs(parts[1].start_ms - meeting.turns[1].start_ms) <= 500
    assert parts[0].voice is not None and parts[1].voice is not None
    assert cosine(parts[0], parts[1]) < SAME_SPEAKER


def test_without_speakers_the_transcript_is_as_before_and_its_provenance_says_so(
    voiced: TranscribeModel, meetings: dict[str, Conversation]
) -> None:
    meeting = meetings["meeting"]
    plain = turns_of(voiced, meeting, speakers=False)
    assert [i.voice for i in plain] == [None] * len(plain)
    with_voices = voiced.check_config({"language": "en"})
    without = voiced.check_config({"language": "en", "speakers": False})
    assert with_voices.weights != without.weights
    assert "+resemblyzer-0.1.4" in with_voices.producer_version and "resemblyzer" not in without.producer_version


def test_a_turn_has_the_voice_it_has_alone_when_its_window_is_embedded_in_one_batch(
    voiced: TranscribeModel, meetings: dict[str, Conversation]
) -> None:
    """The window's turns go through the encoder together (packed, each partial ending at its own
    frame); each turn's voice is still that of its own speech, embedded on its own, as a clip."""
    meeting = meetings["meeting"]
    items = turns_of(voiced, meeting)
    audio = load_audio(meeting.video.path)
    assert audio is not None
    for item in items:
        alone = voiced.voices.embed(audio[item.start_ms * 16 : item.end_ms * 16])
        assert alone is not None and item.voice is not None
        assert float(np.dot(alone, item.voice) / np.linalg.norm(item.voice)) > 0.999, item.text
