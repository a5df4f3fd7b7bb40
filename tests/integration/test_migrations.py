import asyncio
from uuid import uuid4

import pytest
from sqlalchemy import inspect, text

from framewise.infrastructure.postgres.database import create_engine
from framewise_api.migrate import downgrade, upgrade
from framewise_dev.stores import EmbeddedStores

pytestmark = pytest.mark.integration


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_migrations_apply_to_an_empty_database_and_downgrade_cleanly(stores: EmbeddedStores) -> None:
    name = f"migrations_{uuid4().hex[:8]}"
    stores.postgres.psql(f'CREATE DATABASE "{name}";')
    url = stores.postgres.get_uri(name)

    await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
    assert {"videos", "tasks", "artifacts", "alembic_version"} <= await tables(url)
    await asyncio.to_thread(downgrade, url)
    assert await tables(url) == {"alembic_version"}
    await asyncio.to_thread(upgrade, url)
    assert {"videos", "tasks", "artifacts"} <= await tables(url)


async def test_sizes_are_64_bit(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        kind = await connection.scalar(
            text("SELECT data_type FROM information_schema.columns WHERE table_name='videos' AND column_name='size'")
        )
    assert kind == "bigint"


async def test_0012_indexes_existing_speech_in_its_items_language_and_collects_the_words(
    stores: EmbeddedStores,
) -> None:
    name = f"migrations_{uuid4().hex[:8]}"
    stores.postgres.psql(f'CREATE DATABASE "{name}";')
    url = stores.postgres.get_uri(name)
    await asyncio.to_thread(upgrade, url, "0011")
    engine = create_engine(url)
    async with engine.begin() as connection:
        for statement in (
            "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, discovered_at) "
            "VALUES ('00000000-0000-0000-0000-000000000001', '/m', 'a.mp4', 1, 1, 'fw1:x', 'ready', now())",
            "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, progress, "
            "correlation_id, created_at) VALUES ('00000000-0000-0000-0000-000000000002', "
            "'00000000-0000-0000-0000-000000000001', 'transcription', 'COMPLETED', 'gpu_jobs', 1, '{}', 'c', 1, "
            "'c', now())",
            "INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, input_hash, "
            "device, weights) VALUES ('r1', '00000000-0000-0000-0000-000000000002', 'p', '1', 'd', 'c', 'fw1:x', "
            "'cpu', 'real')",
            "INSERT INTO artifacts (id, video_id, task_id, attempt, artifact_type, schema_version, span_start_ms, "
            "span_end_ms, payload, run_id, created_at) SELECT gen_random_uuid(), "
            "'00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002', 1, "
            "'transcript_segment', 1, s, s + 900, jsonb_build_object('text', t, 'start_ms', s, 'end_ms', s + 900, "
            "'language', l), 'r1', now() FROM (VALUES (0, 'Les élections municipales', 'fr'), "
            "(1000, 'The elections', 'en')) AS v(s, t, l)",
            "INSERT INTO moments (video_id, task_id, run_id, moment_type, label, search_text, trigrams, start_ms, "
            "end_ms, confidence, best_ms, count) SELECT '00000000-0000-0000-0000-000000000001', "
            "'00000000-0000-0000-0000-000000000002', 'r1', 'transcript', t, lower(t), '{}', s, s + 900, NULL, s, 1 "
            "FROM (VALUES (0, 'Les élections municipales'), (1000, 'The elections')) AS v(s, t)",
        ):
            await connection.execute(text(statement))
    await asyncio.to_thread(upgrade, url)
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT language, ts_config::text, tsv::text FROM moments ORDER BY start_ms")
        )
        assert [tuple(r) for r in rows] == [
            ("fr", "french", "'le':1 'municipal':3 'élect':2"),
            ("en", "english", "'elect':2"),
        ]
        words = set((await connection.execute(text("SELECT word FROM search_words"))).scalars())
        assert words == {"les", "élections", "municipales", "the", "elections"}
    await engine.dispose()
    await asyncio.to_thread(downgrade, url)
