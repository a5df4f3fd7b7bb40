"""Moments and search on the real PostgreSQL: moments are written with their artifacts (the worker's
path), replaced on a re-run and gone with their video; search ranks and filters, matches speech by
stem and on-screen text fuzzily, keeps co-occurrences, and steps through three videos in library
order with wrap-around; labels are counted."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import SearchQuery, SearchSort
from framewise.domain.artifact import envelopes_for, validate_payload
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import MomentType, NearTerm, moments_for
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.text_query import parse_text_query
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.moment_search import SqlMomentSearch, snippet
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.integration
TASK_OF = {
    TaskType.OCR: "ocr",
    TaskType.TRANSCRIPTION: "transcription",
    TaskType.OBJECT_DETECTION: "object_detection",
    TaskType.PLACE_DETECTION: "place_detection",
}


def provenance(run_id: str) -> Provenance:
    return Provenance(
        producer="p",
        producer_version="1",
        model_profile="balanced",
        config_hash="c",
        input_hash="fw1:x",
        run_id=run_id,
        device="cpu",
        weights="none",
    )


async def video(engine: AsyncEngine, path: str) -> VideoId:
    video_id = VideoId(uuid4())
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, discovered_at) "
                "VALUES (:id, '/media', :path, 1, 1.7e9, 'fw1:x', 'ready', now())"
            ),
            {"id": video_id, "path": path},
        )
    return video_id


async def analyse(engine: AsyncEngine, video_id: VideoId, task_type: TaskType, items: list[Any]) -> TaskId:
    """A task and its run written as the worker writes them: artifacts and moments in one transaction."""
    task_id = TaskId(uuid4())
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, "
                "correlation_id, created_at) VALUES (:id, :video, :type, 'RUNNING', 'gpu_jobs', 1, '{}', 'h', "
                "'c', now())"
            ),
            {"id": task_id, "video": video_id, "type": TASK_OF[task_type]},
        )
    await rerun(engine, video_id, task_id, task_type, items)
    return task_id


async def rerun(engine: AsyncEngine, video_id: VideoId, task_id: TaskId, task_type: TaskType, items: list[Any]) -> None:
    written = envelopes_for(
        task_type=task_type,
        video_id=video_id,
        task_id=task_id,
        attempt=1,
        items=[validate_payload(task_type, i) for i in items],
        provenance=provenance(f"run-{uuid4().hex[:8]}"),
        now=datetime.now(UTC),
    )
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.artifacts.replace_for_task(task_id, written, moments_for(written, {}))
        await uow.commit()


def ocr(*reads: tuple[str, int]) -> list[Any]:
    polygon = [{"x": 0, "y": 0}, {"x": 9, "y": 0}, {"x": 9, "y": 9}]
    return [
        {"text": t, "confidence": 0.9, "polygon": polygon, "frame_index": at // 40, "timestamp_ms": at}
        for t, at in reads
    ]


def objects(*seen: tuple[str, int, float]) -> list[Any]:
    box = {"x1": 0, "y1": 0, "x2": 9, "y2": 9}
    return [
        {"label": label, "confidence": c, "bbox": box, "frame_index": at // 40, "timestamp_ms": at}
        for label, at, c in seen
    ]


def speech(*segments: tuple[str, int, int]) -> list[Any]:
    return [{"text": t, "start_ms": s, "end_ms": e, "language": "en"} for t, s, e in segments]


@pytest.fixture
async def library(engine: AsyncEngine) -> dict[str, Any]:
    """Three videos: a/one.mp4 (speech, a sign, a dog), b/two.mp4 (a misread sign, a cat), c/three.mp4."""
    one, two, three = [await video(engine, p) for p in ("a/one.mp4", "b/two.mp4", "c/three.mp4")]
    await analyse(engine, one, TaskType.TRANSCRIPTION, speech(("The foxes were Jumping over fences", 1000, 4000)))
    await analyse(engine, one, TaskType.OCR, ocr(("NO  ENTRY", 0), ("NO ENTRY", 1000), ("BRAVO", 5000)))
    dog = await analyse(engine, one, TaskType.OBJECT_DETECTION, objects(("dog", 3000, 0.8), ("dog", 4000, 0.6)))
    await analyse(engine, two, TaskType.OCR, ocr(("BRAAVO", 2000), ("BRAAVO", 3000)))
    await analyse(engine, two, TaskType.OBJECT_DETECTION, objects(("cat", 0, 0.4), ("cat", 9000, 0.95)))
    await analyse(
        engine,
        three,
        TaskType.OCR,
        ocr(
            ("bravo team", 7000),
        ),
    )
    return {"one": one, "two": two, "three": three, "dog_task": dog}


def searcher(engine: AsyncEngine) -> SqlMomentSearch:
    return SqlMomentSearch(session_factory(engine))


async def test_speech_is_found_by_stem_in_any_order_and_case(engine: AsyncEngine, library: dict[str, Any]) -> None:
    page = await searcher(engine).search(SearchQuery(q="fence JUMP fox"))
    assert page.total == 1
    (hit,) = page.items
    assert (hit.moment_type, hit.start_ms, hit.end_ms, hit.path) == (MomentType.TRANSCRIPT, 1000, 4000, "a/one.mp4")
    assert "<mark>foxes</mark>" in hit.snippet and "<mark>Jumping</mark>" in hit.snippet
    assert (await searcher(engine).search(SearchQuery(q="elephants"))).total == 0


async def test_on_screen_text_is_found_by_substring_and_fuzzily_as_one_moment(
    engine: AsyncEngine, library: dict[str, Any]
) -> None:
    entry = await searcher(engine).search(SearchQuery(q="no entry", types=frozenset({MomentType.OCR})))
    assert [(h.label, h.start_ms, h.end_ms) for h in entry.items] == [("NO  ENTRY", 0, 2000)]  # two reads, one moment
    bravo = await searcher(engine).search(SearchQuery(q="bravo", types=frozenset({MomentType.OCR})))
    found = {(h.path, h.label, h.start_ms, h.end_ms) for h in bravo.items}
    assert found == {
        ("a/one.mp4", "BRAVO", 5000, 6000),
        ("b/two.mp4", "BRAAVO", 2000, 4000),  # misread, still found
        ("c/three.mp4", "bravo team", 7000, 8000),  # a substring of a longer read
    }
    assert bravo.items[0].label == "BRAVO" and bravo.items[0].score >= max(h.score for h in bravo.items)


async def test_labels_filters_and_paging(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    cats = await search.search(SearchQuery(q="cat"))
    assert [(h.moment_type, h.start_ms) for h in cats.items] == [(MomentType.OBJECT, 0), (MomentType.OBJECT, 9000)]
    assert (await search.search(SearchQuery(q="cat", min_confidence=0.9))).total == 1
    assert (await search.search(SearchQuery(label="DOG"))).total == 1
    only_one = await search.search(SearchQuery(q="bravo", video_id=library["one"]))
    assert [h.path for h in only_one.items] == ["a/one.mp4"]
    window = await search.search(SearchQuery(q="bravo", from_ms=2500, to_ms=6000))  # overlaps, not contains
    assert {h.path for h in window.items} == {"a/one.mp4", "b/two.mp4"}
    by_time = await search.search(SearchQuery(types=frozenset({MomentType.OCR}), sort=SearchSort.TIME, limit=2))
    assert by_time.total == 4 and [(h.path, h.start_ms) for h in by_time.items] == [
        ("a/one.mp4", 0),
        ("a/one.mp4", 5000),
    ]
    rest = await search.search(SearchQuery(types=frozenset({MomentType.OCR}), sort=SearchSort.TIME, limit=2, offset=2))
    assert [h.path for h in rest.items] == ["b/two.mp4", "c/three.mp4"]
    run = by_time.items[0].run_id
    assert {h.run_id for h in (await search.search(SearchQuery(run_id=run))).items} == {run}


async def test_near_keeps_only_hits_with_the_other_thing_close_by(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    near_dog = SearchQuery(q="bravo", near=(NearTerm(MomentType.OBJECT, "dog"),), within_ms=1500)
    assert [h.path for h in (await search.search(near_dog)).items] == ["a/one.mp4"]  # dog until 5000, BRAVO at 5000
    too_far = SearchQuery(q="no entry", near=(NearTerm(MomentType.OBJECT, "dog"),), within_ms=500)
    assert (await search.search(too_far)).total == 0  # NO ENTRY ends at 2000, the dog starts at 3000
    both = SearchQuery(
        q="fox", near=(NearTerm(MomentType.OBJECT, "dog"), NearTerm(MomentType.OCR, "no entry")), within_ms=0
    )
    assert (await search.search(both)).total == 1


async def test_next_and_previous_walk_the_library_in_order_and_wrap(
    engine: AsyncEngine, library: dict[str, Any]
) -> None:
    search, query = searcher(engine), SearchQuery(q="bravo")
    one, two, three = library["one"], library["two"], library["three"]
    steps = []
    at = (one, 0)
    for _ in range(4):
        jump = await search.neighbour(query, at[0], at[1], forward=True)
        assert jump.hit is not None
        steps.append((jump.hit.path, jump.hit.start_ms, jump.wrapped))
        at = (jump.hit.video_id, jump.hit.start_ms)
    assert steps == [
        ("a/one.mp4", 5000, False),
        ("b/two.mp4", 2000, False),
        ("c/three.mp4", 7000, False),
        ("a/one.mp4", 5000, True),
    ]
    back = await search.neighbour(query, two, 2000, forward=False)
    assert back.hit is not None and (back.hit.path, back.hit.start_ms, back.wrapped) == ("a/one.mp4", 5000, False)
    around = await search.neighbour(query, one, 0, forward=False)
    assert around.hit is not None and (around.hit.path, around.wrapped) == ("c/three.mp4", True)
    nothing = await search.neighbour(SearchQuery(q="zebra"), three, 0, forward=True)
    assert (nothing.hit, nothing.wrapped) == (None, False)


async def test_labels_are_counted_by_moments_and_videos(engine: AsyncEngine, library: dict[str, Any]) -> None:
    search = searcher(engine)
    found = await search.labels(MomentType.OBJECT, None, 10)
    assert [(c.label, c.moments, c.videos) for c in found] == [("cat", 2, 1), ("dog", 1, 1)]
    assert [c.label for c in await search.labels(MomentType.OCR, "bra", 10)] == ["BRAAVO", "BRAVO", "bravo team"]
    words = {c.label: c.videos for c in await search.labels(MomentType.TRANSCRIPT, "ju", 10)}
    assert words == {"jump": 1}  # stemmed


async def test_a_rerun_replaces_its_moments_and_a_deleted_video_takes_them(
    engine: AsyncEngine, library: dict[str, Any]
) -> None:
    await rerun(engine, library["one"], library["dog_task"], TaskType.OBJECT_DETECTION, objects(("horse", 0, 0.7)))
    search = searcher(engine)
    assert (await search.search(SearchQuery(q="dog"))).total == 0
    assert (await search.search(SearchQuery(q="horse"))).total == 1
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM videos WHERE id = :id"), {"id": library["two"]})
        left = (
            await connection.execute(text("SELECT count(*) FROM moments WHERE video_id = :id"), {"id": library["two"]})
        ).scalar_one()
    assert left == 0
    assert (await search.search(SearchQuery(q="cat"))).total == 0


def test_snippets_escape_the_text_and_mark_the_match() -> None:
    assert snippet("<b>NO ENTRY</b>", None, parse_text_query("no entry")) == "&lt;b&gt;<mark>NO ENTRY</mark>&lt;/b&gt;"
    assert snippet("BRAAVO", None, parse_text_query("bravo")) == "<mark>BRAAVO</mark>"  # fuzzy: the whole read
    assert snippet("a <x> fox", "a <x> \x02fox\x03", parse_text_query("fox")) == "a &lt;x&gt; <mark>fox</mark>"


async def test_a_search_asked_again_and_again_is_planned_for_its_words_each_time(
    engine: AsyncEngine, library: dict[str, Any], database_url: str
) -> None:
    """asyncpg prepares each statement; after five runs PostgreSQL may keep one generic plan for it,
        blind to the words asked for. Searches are planned for their values every time: on one pooled
        connection, none of its prepared search statements with values ever ran a generic plan (one
    without any has one plan only)."""
    from framewise.infrastructure.postgres.database import create_engine

    one_connection = create_engine(database_url, pool_size=1)
    one_connection.pool._max_overflow = 0  # type: ignore[attr-defined]  # every session: that connection
    try:
        search = searcher(one_connection)
        queries = [
            SearchQuery(q="fox", near=(NearTerm(MomentType.OBJECT, "dog"),), within_ms=20000),
            SearchQuery(q="bravo -team"),
            SearchQuery(q="jumping fox"),
        ]
        for _ in range(8):
            for query in queries:
                await search.search(query)
            await search.neighbour(queries[0], library["one"], 0, forward=True)
        async with one_connection.connect() as connection:
            plans = (
                await connection.execute(
                    text(
                        "SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements "
                        "WHERE statement LIKE '%FROM moments m%' AND cardinality(parameter_types) > 0"
                    )
                )
            ).one()
        assert plans[0] == 0 and plans[1] >= 8 * len(queries), plans
    finally:
        await one_connection.dispose()
