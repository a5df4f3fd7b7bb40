"""Artifact writes: `SqlArtifactRepository.replace_for_task` for one task with 10,000 detections.

Each run is what the worker does when a task completes: one `SqlUnitOfWork` transaction, the task's
previous artifacts deleted, the new ones written (COPY through asyncpg), then commit. "insert" runs
start from a task with no artifacts; "replace" runs find the 10,000 rows of the run before and
replace them. The envelopes are built beforehand (the items parsed as payloads, then
`envelopes_for`), timed on its own.
"""

import asyncio
import os
import statistics
import time
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg

from bench._common import bench_arguments, bench_stores, machine_cpu_s, own_cpu_s, report, store_marker, wait_for_quiet
from framewise.domain.artifact import ArtifactEnvelope, envelopes_for, validate_payload
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.provenance import Provenance, config_hash
from framewise.domain.routing import TaskType
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork

DETECTIONS = int(os.environ.get("BENCH_DETECTIONS", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def detections(count: int) -> list[object]:
    """`count` object detections, 10 a frame at 25 fps, as the ML service returns them."""
    return [
        {
            "frame_index": k // 10,
            "timestamp_ms": k // 10 * 40,
            "label": ("person", "car", "dog", "bicycle")[k % 4],
            "confidence": round(0.5 + (k % 50) / 100, 2),
            "bbox": {"x1": float(k % 600), "y1": 20.0, "x2": float(k % 600 + 40), "y2": 120.0},
            "track_id": k % 37,
        }
        for k in range(count)
    ]


def envelopes(video_id: VideoId, task_id: TaskId, items: list[object]) -> list[ArtifactEnvelope]:
    provenance = Provenance(
        producer="ultralytics",
        producer_version="8.3.0",
        model_profile="default",
        config_hash=config_hash({}),
        input_hash="fw1:" + "0" * 32,
        run_id=uuid4().hex,
        device="cpu",
        weights="sha256:" + "1" * 16,
    )
    return envelopes_for(
        task_type=TaskType.OBJECT_DETECTION,
        video_id=video_id,
        task_id=task_id,
        attempt=1,
        items=[validate_payload(TaskType.OBJECT_DETECTION, i) for i in items],
        provenance=provenance,
        now=datetime.now(UTC),
    )


async def seed(database_url: str) -> tuple[VideoId, TaskId]:
    video_id, task_id = VideoId(uuid4()), TaskId(uuid4())
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("TRUNCATE videos, tasks, artifacts CASCADE")
        await connection.execute(
            "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, discovered_at) "
            "VALUES ($1, '/media', 'clip.mp4', 1, 1.7e9, 'fw1:0', 'ready', now())",
            video_id,
        )
        await connection.execute(
            "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, "
            "correlation_id, created_at) VALUES ($1, $2, 'object_detection', 'RUNNING', 'gpu_jobs', 1, '{}', $3, "
            "'bench', now())",
            task_id,
            video_id,
            config_hash({}),
        )
    finally:
        await connection.close()
    return video_id, task_id


async def measure(database_url: str) -> tuple[dict[str, list[float]], int]:
    video_id, task_id = await seed(database_url)
    items = detections(DETECTIONS)
    timings: dict[str, list[float]] = {"envelopes_for": [], "insert": [], "replace": []}
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    admin = await asyncpg.connect(database_url)

    async def write(batch: list[ArtifactEnvelope]) -> float:
        started = time.perf_counter()
        async with SqlUnitOfWork(sessions) as uow:
            stored = await uow.artifacts.replace_for_task(task_id, batch)
            await uow.commit()
        elapsed = time.perf_counter() - started
        assert stored == len(batch)
        return elapsed

    try:
        await write(envelopes(video_id, task_id, items[:100]))  # warm the pool and the statement caches
        for kind in ("insert", "replace"):
            for _ in range(RUNS):
                started = time.perf_counter()
                batch = envelopes(video_id, task_id, items)
                timings["envelopes_for"].append(time.perf_counter() - started)
                if kind == "insert":
                    await admin.execute("DELETE FROM artifacts; DELETE FROM runs")
                    await admin.execute("VACUUM artifacts")
                timings[kind].append(await write(batch))
        stored = await admin.fetchval("SELECT count(*) FROM artifacts WHERE task_id = $1", task_id)
    finally:
        await admin.close()
        await engine.dispose()
    return timings, stored


def main() -> None:
    bench_arguments(__doc__, "bench_artifacts")
    load = os.getloadavg()[0]
    with bench_stores() as (database_url, _):
        marker = store_marker(database_url)
        wait_for_quiet(marker, float(os.environ.get("BENCH_QUIET_WAIT_S", "60")))
        machine, own, started = machine_cpu_s(), own_cpu_s(marker), time.perf_counter()
        timings, stored = asyncio.run(measure(database_url))
        machine, own = machine_cpu_s() - machine, own_cpu_s(marker) - own
        other = max(0.0, machine - own) * 100 / (time.perf_counter() - started)
    assert stored == DETECTIONS, f"{stored} artifacts stored, expected {DETECTIONS}"
    rows = []
    for name, label in (
        ("insert", "replace_for_task, no previous rows (insert)"),
        ("replace", f"replace_for_task, {DETECTIONS:,} previous rows (delete + insert)"),
        ("envelopes_for", f"parse {DETECTIONS:,} items as payloads and wrap them in envelopes (no database)"),
    ):
        samples = timings[name]
        median = statistics.median(samples)
        rows.append(
            {
                "operation": label,
                "median ms": f"{median * 1000:.1f}",
                "min ms": f"{min(samples) * 1000:.1f}",
                "max ms": f"{max(samples) * 1000:.1f}",
                "rows/s (median)": f"{DETECTIONS / median:,.0f}",
            }
        )
    report(
        "artifacts",
        rows,
        {
            "data": f"one task, {DETECTIONS:,} ObjectDetectionV1 artifacts; {RUNS} runs each (median), 1 warm-up",
            "transaction": "SqlUnitOfWork: open, replace_for_task (DELETE by task_id, COPY), commit; timed whole",
            "cpus": os.cpu_count(),
            "load average (1 min) before": f"{load:.2f}",
            "other processes' cpu meanwhile": f"{other:.0f} % of a core (high: the figures are disturbed)",
        },
    )


if __name__ == "__main__":
    main()
