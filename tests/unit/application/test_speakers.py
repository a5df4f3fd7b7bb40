"""Speakers on the in-memory fakes: turns grouped by voice across videos (a property test over
generated voices), and what people decide (name, merge, accept a person), a refused request
changing nothing."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.application.use_cases.speaker_merger import SpeakerMerger
from framewise.application.use_cases.speaker_person_accepter import SpeakerPersonAccepter
from framewise.application.use_cases.speaker_renamer import SpeakerRenamer
from framewise.application.voice_grouping import add_voices
from framewise.domain.errors import PersonNotFound, SpeakerChangeRefused, SpeakerNotFound
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.voices import SPEAKER_DISTANCE, VoiceTurn, cosine_distance
from tests.fakes import FakeUnitOfWork
from tests.voices import voice

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def turn(seed: int, noise_seed: int, at_ms: int = 0) -> VoiceTurn:
    return VoiceTurn(at_ms, at_ms + 1500, voice(seed, noise_seed))


async def library(uow: FakeUnitOfWork, *videos: Sequence[VoiceTurn]) -> None:
    for turns in videos:
        async with uow:
            await add_voices(uow.speakers, VideoId(uuid4()), TaskId(uuid4()), "run", turns, NOW)
            await uow.commit()


def speaker_of(uow: FakeUnitOfWork, seed: int) -> UUID:
    """The speaker of the turn nearest voice `seed`."""
    wanted = voice(seed, 0)
    found = min(uow.committed.voices.values(), key=lambda v: cosine_distance(v.turn.voice, wanted))
    assert found.speaker_id is not None
    return found.speaker_id


def test_generated_voices_measure_like_espeak_voices() -> None:
    same = [cosine_distance(voice(1, 1), voice(1, n)) for n in range(2, 12)]
    other = [cosine_distance(voice(1, 1), voice(s, s)) for s in range(2, 12)]
    assert max(same) < SPEAKER_DISTANCE < min(other)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(  # videos, each a conversation: (speaker, hearing) per turn
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 10_000)), min_size=1, max_size=6),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 10_000),  # which generated voices speak
)
def test_grouping_never_puts_two_voices_in_one_speaker_and_keeps_each_voices_turns_together(
    videos: list[list[tuple[int, int]]], offset: int
) -> None:
    uow = FakeUnitOfWork()
    conversations = [
        [turn(offset + speaker, hearing, i * 2000) for i, (speaker, hearing) in enumerate(video)] for video in videos
    ]
    asyncio.run(library(uow, *conversations))
    truth = {
        t.voice: offset + s
        for video, turns in zip(videos, conversations, strict=True)
        for (s, _), t in zip(video, turns, strict=True)
    }
    by_speaker: dict[UUID, set[int]] = {}
    by_voice: dict[int, set[UUID]] = {}
    for v in uow.committed.voices.values():
        assert v.speaker_id is not None
        by_speaker.setdefault(v.speaker_id, set()).add(truth[v.turn.voice])
        by_voice.setdefault(truth[v.turn.voice], set()).add(v.speaker_id)
    assert all(len(voices) == 1 for voices in by_speaker.values())  # never two voices in one
    assert all(len(speakers) == 1 for speakers in by_voice.values())  # one voice's turns together
    assert sorted(s.number for s in uow.committed.speakers.values()) == list(range(1, len(by_speaker) + 1))


async def test_the_same_voice_in_another_video_is_the_same_speaker() -> None:
    uow = FakeUnitOfWork()
    await library(uow, [turn(1, 1, 0), turn(2, 2, 2000), turn(1, 3, 4000)], [turn(2, 4), turn(3, 5, 2000)])
    assert len(uow.committed.speakers) == 3
    of_bob = {v.speaker_id for v in uow.committed.voices.values() if cosine_distance(v.turn.voice, voice(2, 0)) < 0.15}
    of_ada = {v.speaker_id for v in uow.committed.voices.values() if cosine_distance(v.turn.voice, voice(1, 0)) < 0.15}
    assert len(of_bob) == len(of_ada) == 1 and of_ada != of_bob
    assert sum(v.speaker_id in of_bob for v in uow.committed.voices.values()) == 2  # in both videos


async def test_a_merge_moves_the_turns_takes_a_name_when_it_has_none_and_refuses_nonsense() -> None:
    uow = FakeUnitOfWork()
    await library(uow, [turn(1, 1)], [turn(2, 2)], [turn(3, 3)])
    ada, bob, cy = speaker_of(uow, 1), speaker_of(uow, 2), speaker_of(uow, 3)
    await SpeakerRenamer(uow).execute(bob, "  Bob  ")

    assert await SpeakerMerger(uow).execute(ada, [bob, bob]) == 1
    assert {s: x.name for s, x in uow.committed.speakers.items()} == {ada: "Bob", cy: None}
    assert all(v.pinned for v in uow.committed.voices.values() if v.speaker_id == ada and v.turn == turn(2, 2))

    before = (str(uow.committed.speakers), str(uow.committed.voices))
    for others, error in [([], SpeakerChangeRefused), ([ada], SpeakerChangeRefused), ([cy, uuid4()], SpeakerNotFound)]:
        with pytest.raises(error):
            await SpeakerMerger(uow).execute(ada, others)
    assert (str(uow.committed.speakers), str(uow.committed.voices)) == before

    await library(uow, [turn(2, 9)])  # Bob in a new video: with the merged speaker
    assert speaker_of(uow, 2) == ada and len(uow.committed.speakers) == 2


async def test_names_are_cleaned_and_bad_ones_refused_changing_nothing() -> None:
    uow = FakeUnitOfWork()
    await library(uow, [turn(1, 1)])
    ada = speaker_of(uow, 1)
    for bad in ["x" * 201, "a\x07b"]:
        with pytest.raises(SpeakerChangeRefused):
            await SpeakerRenamer(uow).execute(ada, bad)
    assert uow.committed.speakers[ada].name is None
    await SpeakerRenamer(uow).execute(ada, "Ada   Lovelace")
    assert uow.committed.speakers[ada].name == "Ada Lovelace"
    await SpeakerRenamer(uow).execute(ada, " ")
    assert uow.committed.speakers[ada].name is None
    with pytest.raises(SpeakerNotFound):
        await SpeakerRenamer(uow).execute(uuid4(), "Nobody")


async def test_accepting_a_person_links_it_and_names_an_unnamed_speaker_only() -> None:
    uow = FakeUnitOfWork()
    await library(uow, [turn(1, 1)], [turn(2, 2)])
    ada, bob = speaker_of(uow, 1), speaker_of(uow, 2)
    person, other = uuid4(), uuid4()
    uow.committed.persons.update({person: "Ada Lovelace", other: None})

    await SpeakerPersonAccepter(uow).execute(ada, person)
    assert (uow.committed.speakers[ada].person_id, uow.committed.speakers[ada].name) == (person, "Ada Lovelace")
    await SpeakerRenamer(uow).execute(bob, "Bob")
    await SpeakerPersonAccepter(uow).execute(bob, person)
    assert uow.committed.speakers[bob].name == "Bob"  # a name people gave stays
    await SpeakerPersonAccepter(uow).execute(bob, other)
    assert (uow.committed.speakers[bob].person_id, uow.committed.speakers[bob].name) == (other, "Bob")

    for speaker, who, error in [(uuid4(), person, SpeakerNotFound), (ada, uuid4(), PersonNotFound)]:
        with pytest.raises(error):
            await SpeakerPersonAccepter(uow).execute(speaker, who)
    assert uow.committed.speakers[ada].person_id == person
