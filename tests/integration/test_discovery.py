"""Discovery on the real stores: PostgreSQL for rows, Valkey (arq) for jobs."""

import shutil
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.tables import tasks, videos
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise_dev.media import SampleVideo

pytestmark = pytest.mark.integration


async def discover(engine: AsyncEngine, valkey_url: str, root: Path) -> dict[str, object]:
    pool = await open_pool(valkey_url)
    try:
        use_case = VideoDiscoverer(
            SqlUnitOfWork(session_factory(engine)),
            LocalMediaLibrary([str(root)]),
            AvMediaProber(),
            ArqJobQueue(pool),
            SystemClock(),
            roots=[str(root)],
        )
        report = await use_case.execute("test-correlation")
    finally:
        await pool.aclose()
    return report.__dict__


async def count(engine: AsyncEngine, table) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_video_found_twice_yields_one_video_and_six_tasks(
    engine: AsyncEngine, redis: Redis, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "clip.mp4")

    first = await discover(engine, valkey_url, media_root)
    second = await discover(engine, valkey_url, media_root)

    assert (len(first["new"]), first["tasks_created"], first["jobs_enqueued"]) == (1, 6, 6)  # type: ignore[arg-type]
    assert (second["new"], second["unchanged"], second["tasks_created"]) == ([], 1, 0)
    assert (await count(engine, videos), await count(engine, tasks)) == (1, 6)


async def test_gpu_class_tasks_land_on_gpu_jobs_and_scene_detection_on_cpu_jobs(
    engine: AsyncEngine, redis: Redis, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    await discover(engine, valkey_url, media_root)

    async with engine.connect() as connection:
        rows = (await connection.execute(select(tasks.c.task_type, tasks.c.job_id))).all()
    job_of = {task_type: job_id for task_type, job_id in rows}
    gpu = {m.decode() for m in await redis.zrange("gpu_jobs", 0, -1)}
    cpu = {m.decode() for m in await redis.zrange("cpu_jobs", 0, -1)}
    assert cpu == {job_of["scene_detection"]}
    assert gpu == {job for kind, job in job_of.items() if kind != "scene_detection"}


async def test_probed_facts_are_stored_and_a_disguised_non_video_is_invalid(
    engine: AsyncEngine, redis: Redis, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    (media_root / "nested" / "ünïcode").mkdir(parents=True)
    (media_root / "nested" / "ünïcode" / "notes.mp4").write_text("not a video at all")
    (media_root / "empty.mkv").write_bytes(b"")
    (media_root / "readme.txt").write_text("ignored: not a video extension")

    report = await discover(engine, valkey_url, media_root)

    assert set(report["invalid"]) == {"nested/ünïcode/notes.mp4", "empty.mkv"}  # type: ignore[arg-type]
    async with engine.connect() as connection:
        row = (await connection.execute(select(videos).where(videos.c.path == "clip.mp4"))).mappings().one()
    assert (row["duration_ms"], row["fps"], row["width"], row["height"], row["has_audio"]) == (
        sample_video.duration_ms,
        25.0,
        320,
        240,
        False,
    )
    assert row["content_hash"].startswith("fw1:") and row["size"] == sample_video.path.stat().st_size
    assert await count(engine, tasks) == 6
