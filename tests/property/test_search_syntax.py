"""The search syntax against the real parser and the real SQL on PostgreSQL: any query built of
words, quoted phrases, excluded words and phrases and stray punctuation parses into exactly those
parts (and back from its canonical form), and over any small library of speech and on-screen text
the moments found as typed are exactly those holding every word, every phrase's words in order and
no excluded word or phrase; a close-spelling hit still honours the phrases and the exclusions.

Synchronous with its own event loop, as test_file_lifecycle_property.py (hypothesis reuses
fixtures across examples, so each example empties the tables it writes)."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import MatchKind, SearchQuery
from framewise.domain.errors import InvalidSearch
from framewise.domain.moments import MomentType
from framewise.domain.routing import TaskType
from framewise.domain.text_query import TextQuery, parse_text_query, words_of
from framewise.infrastructure.postgres.database import create_engine
from tests.integration.test_moment_search import analyse, ocr, searcher, video

pytestmark = [pytest.mark.property, pytest.mark.integration]
VOCABULARY = ["apple", "birch", "cloud", "dwarf", "eagle", "fjord"]  # far apart: none a close spelling of another
SEPARATORS = [" ", ", ", " - ", "  ", ". "]
WORD = st.sampled_from(VOCABULARY)
CASED = st.tuples(WORD, st.sampled_from([str.lower, str.upper, str.title])).map(lambda p: p[1](p[0]))
# A query's parts: ("word", w), ("phrase", words), ("not", words), ("noise", text)
PART = st.one_of(
    st.tuples(st.just("word"), st.lists(CASED, min_size=1, max_size=1)),
    st.tuples(st.just("phrase"), st.lists(CASED, min_size=1, max_size=3)),
    st.tuples(st.just("not"), st.lists(CASED, min_size=1, max_size=2)),
    st.tuples(st.just("noise"), st.sampled_from([",", "!", "-", "...", '""', "?!"]).map(lambda n: [n])),
)
LABEL = st.tuples(st.lists(WORD, min_size=1, max_size=5), st.lists(st.sampled_from(SEPARATORS), min_size=5, max_size=5))
MOMENTS = st.lists(st.tuples(st.sampled_from([MomentType.TRANSCRIPT, MomentType.OCR]), LABEL), min_size=1, max_size=8)


def written(kind: str, words: list[str]) -> str:
    if kind in {"word", "noise"}:
        return words[0]
    quoted = '"' + " ".join(words) + '"'
    if kind == "phrase":
        return quoted
    return f"-{words[0]}" if len(words) == 1 else f"-{quoted}"


def expected(parts: list[tuple[str, list[str]]]) -> TextQuery:
    """What the parser should make of the parts (the model the real parser is checked against)."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for kind, given_ in parts:
        folded = tuple(w.lower() for w in given_)
        if kind == "word" or (kind == "phrase" and len(folded) == 1):
            words.append(folded[0])
        elif kind == "phrase":
            phrases.append(folded)
        elif kind == "not":
            excluded.append(folded)
    return TextQuery(tuple(dict.fromkeys(words)), tuple(dict.fromkeys(phrases)), tuple(dict.fromkeys(excluded)))


def holds(label_words: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    n = len(sequence)
    return any(label_words[i : i + n] == sequence for i in range(len(label_words) - n + 1))


def matches(label: str, query: TextQuery) -> bool:
    found = words_of(label)
    return (
        all(w in found for w in query.words)
        and all(holds(found, p) for p in query.phrases)
        and not any(holds(found, e) for e in query.excluded)
    )


@dataclass
class World:
    runner: asyncio.Runner
    engine: AsyncEngine


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[World]:
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
    world = World(runner, runner.run(_engine(database_url)))
    yield world
    runner.run(world.engine.dispose())
    runner.close()


async def _engine(url: str) -> AsyncEngine:
    return create_engine(url)


async def run_example(world: World, moments: list[tuple[MomentType, Any]], query: str) -> None:
    engine = world.engine
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE videos, tasks, artifacts CASCADE"))
    where = await video(engine, "a.mp4")
    labels: dict[MomentType, list[str]] = {MomentType.TRANSCRIPT: [], MomentType.OCR: []}
    for kind, (words, separators) in moments:
        labels[kind].append("".join(w + s for w, s in zip(words, separators, strict=False)).strip(" ,.-"))
    speech = [
        {"text": label, "start_ms": k * 10_000, "end_ms": k * 10_000 + 5000, "language": "ja"}  # `simple`: no stems
        for k, label in enumerate(labels[MomentType.TRANSCRIPT])
    ]
    if speech:
        await analyse(engine, where, TaskType.TRANSCRIPTION, speech)
    if labels[MomentType.OCR]:
        await analyse(
            engine, where, TaskType.OCR, ocr(*((label, k * 10_000) for k, label in enumerate(labels[MomentType.OCR])))
        )
    parsed = parse_text_query(query)
    page = await searcher(engine).search(
        SearchQuery(q=query, types=frozenset({MomentType.TRANSCRIPT, MomentType.OCR}), limit=100)
    )
    as_typed = sorted((h.moment_type, h.label) for h in page.items if h.match is not MatchKind.FUZZY)
    model = sorted((kind, label) for kind, found in labels.items() for label in found if matches(label, parsed))
    assert as_typed == model, (query, parsed)
    assert page.total == len(page.items)
    for hit in page.items:
        found = words_of(hit.label)
        assert all(holds(found, p) for p in parsed.phrases) and not any(holds(found, e) for e in parsed.excluded)
        assert hit.match is (MatchKind.PHRASE if parsed.phrases else MatchKind.EXACT) or hit.match is MatchKind.FUZZY


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(parts=st.lists(PART, min_size=1, max_size=6), moments=MOMENTS)
def test_any_query_finds_exactly_the_moments_its_parts_describe(
    parts: list[tuple[str, list[str]]], moments: list[tuple[MomentType, Any]], world: World
) -> None:
    query = " ".join(written(kind, words) for kind, words in parts)
    model = expected(parts)
    if not model.searchable:
        with pytest.raises(InvalidSearch):
            parse_text_query(query)
        return
    parsed = parse_text_query(query)
    assert parsed == model, query
    assert parse_text_query(parsed.canonical()) == parsed
    world.runner.run(run_example(world, moments, query))
