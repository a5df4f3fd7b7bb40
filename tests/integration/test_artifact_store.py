"""Artifacts and their runs on real PostgreSQL: written by `replace_for_task`, read by the listings.

Provenance is stored once per run (`runs`) and joined back onto every artifact; these tests hold the
store to the envelope it was given, to exact replacement, and to the cascades the schema promises.
"""

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import ArtifactFilter
from framewise.domain.artifact import ArtifactEnvelope, envelopes_for, validate_payload
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance, config_hash
from framewise.domain.routing import TaskType
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.queries import SqlArtifactQueries
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_api.migrate import downgrade, upgrade
from framewise_dev.stores import EmbeddedStores

pytestmark = pytest.mark.integration


def provenance(run_id: str, device: str = "cpu") -> Provenance:
    return Provenance(
        producer="easyocr",
        producer_version="1.7.2",
        model_profile="balanced",
        config_hash=config_hash({"languages": ["en"]}),
        input_hash="fw1:" + "ab" * 16,
        run_id=run_id,
        device=device,
        weights="sha256:0123456789abcdef",
    )


def ocr_items(texts: list[str]) -> list[Any]:
    return [
        {
            "text": word,
            "confidence": 0.9,
            "polygon": [{"x": 0, "y": 0}, {"x": 10, "y": 0}, {"x": 10, "y": 5}],
            "frame_index": k * 25,
            "timestamp_ms": k * 1000,
        }
        for k, word in enumerate(texts)
    ]


def envelopes(
    video: VideoId, task: TaskId, run: Provenance, texts: list[str], attempt: int = 1
) -> list[ArtifactEnvelope]:
    return envelopes_for(
        task_type=TaskType.OCR,
        video_id=video,
        task_id=task,
        attempt=attempt,
        items=[validate_payload(TaskType.OCR, i) for i in ocr_items(texts)],
        provenance=run,
        now=datetime.now(UTC),
    )


async def seed(engine: AsyncEngine) -> tuple[VideoId, TaskId]:
    video, task = VideoId(uuid4()), TaskId(uuid4())
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, discovered_at) "
                "VALUES (:id, '/media', :path, 1, 1.7e9, 'fw1:0', 'ready', now())"
            ),
            {"id": video, "path": f"{video}.mp4"},
        )
        await connection.execute(
            text(
                "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, "
                "correlation_id, created_at) VALUES (:id, :video, 'ocr', 'RUNNING', 'gpu_jobs', 1, '{}', 'h', "
                "'c', now())"
            ),
            {"id": task, "video": video},
        )
    return video, task


async def replace(engine: AsyncEngine, task: TaskId, batch: list[ArtifactEnvelope]) -> int:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        stored = await uow.artifacts.replace_for_task(task, batch)
        await uow.commit()
    return stored


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(text("SELECT (SELECT count(*) FROM artifacts), (SELECT count(*) FROM runs)"))
        ).one()
    return int(row[0]), int(row[1])


async def test_what_is_stored_reads_back_as_the_same_envelopes_with_their_provenance(engine: AsyncEngine) -> None:
    video, task = await seed(engine)
    written = envelopes(video, task, provenance("run-1"), ["FRAMEWISE", "SCENE", "TWO"])
    assert await replace(engine, task, written) == 3

    page = await SqlArtifactQueries(session_factory(engine)).list_artifacts(ArtifactFilter(video_id=video))
    assert page.total == 3
    by_id = {e.id: e for e in written}
    for read in page.items:
        expected = by_id[read.id]
        assert read.provenance == expected.provenance
        assert read.payload == expected.payload
        assert (read.video_id, read.task_id, read.attempt) == (video, task, 1)
        assert (read.span_start_ms, read.span_end_ms) == (expected.span_start_ms, expected.span_end_ms)
        assert read.artifact_type is ArtifactType.OCR_TEXT
    assert [e.span_start_ms for e in page.items] == [0, 1000, 2000]


async def test_listings_filter_by_run_type_and_time_through_the_runs_table(engine: AsyncEngine) -> None:
    queries = SqlArtifactQueries(session_factory(engine))
    video, task = await seed(engine)
    other_video, other_task = await seed(engine)
    await replace(engine, task, envelopes(video, task, provenance("run-a"), ["A", "B", "C", "D"]))
    await replace(engine, other_task, envelopes(other_video, other_task, provenance("run-b", "cuda:0"), ["X"]))

    run_b = await queries.list_artifacts(ArtifactFilter(run_id="run-b"))
    assert [(a.task_id, a.provenance.device, a.payload["text"]) for a in run_b.items] == [(other_task, "cuda:0", "X")]
    assert (await queries.list_artifacts(ArtifactFilter(run_id="no-such-run"))).total == 0
    window = await queries.list_artifacts(ArtifactFilter(run_id="run-a", start_ms=1000, end_ms=3000))
    assert [a.payload["text"] for a in window.items] == ["B", "C"]
    typed = ArtifactFilter(task_id=task, artifact_type=ArtifactType.OCR_TEXT, limit=2, offset=1)
    page = await queries.list_artifacts(typed)
    assert (page.total, [a.payload["text"] for a in page.items]) == (4, ["B", "C"])
    assert (await queries.list_artifacts(ArtifactFilter(artifact_type=ArtifactType.SCENE))).total == 0


async def test_a_new_run_replaces_the_old_one_and_its_artifacts_exactly(engine: AsyncEngine) -> None:
    video, task = await seed(engine)
    await replace(engine, task, envelopes(video, task, provenance("run-1"), ["OLD"] * 5))
    await replace(engine, task, envelopes(video, task, provenance("run-2"), ["NEW", "NEW"], attempt=2))
    assert await counts(engine) == (2, 1)
    page = await SqlArtifactQueries(session_factory(engine)).list_artifacts(ArtifactFilter(task_id=task))
    assert {(a.provenance.run_id, a.attempt, a.payload["text"]) for a in page.items} == {("run-2", 2, "NEW")}

    # The same run written again (a kept result reused by a later attempt) replaces, never duplicates.
    again = envelopes(video, task, provenance("run-2"), ["NEW", "NEW"], attempt=3)
    await replace(engine, task, again)
    assert await counts(engine) == (2, 1)

    assert await replace(engine, task, []) == 0  # an analysis that found nothing
    assert await counts(engine) == (0, 0)


async def test_deleting_a_video_removes_its_tasks_runs_and_artifacts(engine: AsyncEngine) -> None:
    video, task = await seed(engine)
    kept_video, kept_task = await seed(engine)
    await replace(engine, task, envelopes(video, task, provenance("gone"), ["A", "B"]))
    await replace(engine, kept_task, envelopes(kept_video, kept_task, provenance("kept"), ["C"]))
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM videos WHERE id = :id"), {"id": video})
    assert await counts(engine) == (1, 1)


async def test_artifacts_of_a_task_that_does_not_exist_are_refused_and_nothing_is_stored(engine: AsyncEngine) -> None:
    video, _ = await seed(engine)
    ghost = TaskId(uuid4())
    with pytest.raises(IntegrityError):
        await replace(engine, ghost, envelopes(video, ghost, provenance("ghost"), ["A"]))
    assert await counts(engine) == (0, 0)


@pytest.mark.parametrize("fault", ["two provenances for one run", "another task's artifact"])
async def test_an_inconsistent_batch_is_refused_and_the_previous_artifacts_stay(
    engine: AsyncEngine, fault: str
) -> None:
    video, task = await seed(engine)
    _, other_task = await seed(engine)
    await replace(engine, task, envelopes(video, task, provenance("run-1"), ["KEEP", "KEEP"]))
    batch = envelopes(video, task, provenance("run-2"), ["A"])
    if fault == "two provenances for one run":
        batch += envelopes(video, task, provenance("run-2", device="cuda:0"), ["B"])
    else:
        batch += envelopes(video, other_task, provenance("run-2"), ["B"])
    with pytest.raises(ValueError):
        await replace(engine, task, batch)
    page = await SqlArtifactQueries(session_factory(engine)).list_artifacts(ArtifactFilter(task_id=task))
    assert [(a.provenance.run_id, a.payload["text"]) for a in page.items] == [("run-1", "KEEP")] * 2


WIDE_INSERT = """
INSERT INTO artifacts (id, video_id, task_id, attempt, artifact_type, schema_version, span_start_ms, span_end_ms,
                       payload, producer, producer_version, model_profile, config_hash, input_hash, run_id, device,
                       weights, created_at)
SELECT gen_random_uuid(), :video, :task, 1, 'ocr_text', 1, k * 1000, k * 1000, jsonb_build_object('k', k),
       'easyocr', '1.7.2', 'balanced', 'cfg', 'fw1:in', :run, 'cpu', 'sha256:w', now()
FROM generate_series(0, :n - 1) AS k
"""


async def test_the_runs_migration_keeps_every_artifacts_provenance_both_ways(stores: EmbeddedStores) -> None:
    name = f"runs_{uuid4().hex[:8]}"
    stores.postgres.psql(f'CREATE DATABASE "{name}";')
    url = stores.postgres.get_uri(name)
    await asyncio.to_thread(upgrade, url, "0003")
    engine = create_engine(url)
    try:
        video, task = await seed(engine)
        async with engine.begin() as connection:
            await connection.execute(text(WIDE_INSERT), {"video": video, "task": task, "run": "old-run", "n": 50})

        await asyncio.to_thread(upgrade, url)
        page = await SqlArtifactQueries(session_factory(engine)).list_artifacts(ArtifactFilter(run_id="old-run"))
        assert page.total == 50
        assert {a.provenance.model_dump_json() for a in page.items} == {
            Provenance(
                producer="easyocr",
                producer_version="1.7.2",
                model_profile="balanced",
                config_hash="cfg",
                input_hash="fw1:in",
                run_id="old-run",
                device="cpu",
                weights="sha256:w",
            ).model_dump_json()
        }
        assert await counts(engine) == (50, 1)

        await asyncio.to_thread(downgrade, url, "0003")
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT DISTINCT producer, device, run_id FROM artifacts"))).all()
        assert [tuple(r) for r in rows] == [("easyocr", "cpu", "old-run")]
    finally:
        await engine.dispose()


async def test_the_database_refuses_artifacts_that_are_not_of_a_run_of_their_task(engine: AsyncEngine) -> None:
    # The rule the statement-level trigger keeps (in place of per-row foreign keys), for any writer.
    video, task = await seed(engine)
    _, other_task = await seed(engine)
    await replace(engine, task, envelopes(video, task, provenance("run-1"), ["A"]))
    await replace(engine, other_task, envelopes(video, other_task, provenance("run-2"), ["B"]))
    insert = text(
        "INSERT INTO artifacts (id, video_id, task_id, attempt, artifact_type, schema_version, span_start_ms, "
        "span_end_ms, payload, run_id, created_at) "
        "SELECT gen_random_uuid(), :video, :task, 1, 'ocr_text', 1, k, k, '{}', :run, now() "
        "FROM generate_series(1, 100) AS k"
    )
    for task_id, run_id in ((task, "no-such-run"), (task, "run-2"), (TaskId(uuid4()), "run-1")):
        with pytest.raises(IntegrityError, match="not a run of that task"):
            async with engine.begin() as connection:
                await connection.execute(insert, {"video": video, "task": task_id, "run": run_id})
    with pytest.raises(IntegrityError, match="not a run of that task"):
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE artifacts SET run_id = 'run-2' WHERE task_id = :t"), {"t": task})
    with pytest.raises(IntegrityError, match="keeps its run_id"):
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE runs SET task_id = :t WHERE run_id = 'run-1'"), {"t": other_task})
    assert await counts(engine) == (2, 2)

    async with engine.begin() as connection:  # a run deleted takes its artifacts, and only those
        await connection.execute(text("DELETE FROM runs WHERE run_id = 'run-1'"))
    assert await counts(engine) == (1, 1)
