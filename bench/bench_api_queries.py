"""p50/p99 of the API's listing endpoints over 100,000 tasks and 600,000 artifacts.

The rows are generated in SQL (generate_series), then the real API process answers over HTTP, one
request at a time, so each figure is a full request: routing, validation, two SQL queries, JSON.
"""

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from bench._common import AUTH, api_process, bench_arguments, bench_stores, percentile, report

VIDEOS = int(os.environ.get("BENCH_VIDEOS", "16667"))  # x 6 tasks = 100,002 tasks; x 36 = 600,012 artifacts
ARTIFACTS_PER_TASK = 6
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))

SEED = """
INSERT INTO videos (id, root, path, size, mtime, content_hash, status, duration_ms, fps, width, height,
                    has_audio, discovered_at)
SELECT md5('v' || i)::uuid, '/media', 'library/' || i || '.mp4', 10000000 + i, 1.7e9, 'fw1:' || md5('h' || i),
       'ready', 60000, 25, 640, 360, true, now() - (i || ' seconds')::interval
FROM generate_series(1, $1) AS i;

INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, progress,
                   correlation_id, created_at, enqueued_at, started_at, completed_at, error, error_kind)
SELECT md5('t' || v || t)::uuid, md5('v' || v)::uuid, (ARRAY['object_detection','face_detection',
       'transcription','ocr','place_detection','scene_detection'])[t],
       s.status, CASE WHEN t = 6 THEN 'cpu_jobs' ELSE 'gpu_jobs' END, 1, '{}'::jsonb, md5('c' || t),
       CASE WHEN s.status = 'COMPLETED' THEN 1 ELSE 0 END, md5('r' || v || t),
       created, created, CASE WHEN s.status <> 'PENDING' THEN created + interval '5 seconds' END,
       CASE WHEN s.status IN ('COMPLETED','FAILED','CANCELLED')
            THEN created + interval '5 seconds' + ((v * 7 + t * 13) % 600) * interval '1 second' END,
       CASE WHEN s.status = 'FAILED' THEN 'model error' END,
       CASE WHEN s.status = 'FAILED' THEN 'permanent' END
FROM generate_series(1, $1) AS v, generate_series(1, 6) AS t,
     LATERAL (SELECT now() - ((v * 6 + t) || ' seconds')::interval AS created,
                     (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED',
                            'PENDING','PENDING','RUNNING','FAILED','CANCELLED','COMPLETED']
                     )[1 + (v * 7 + t * 5) % 12] AS status) AS s;

INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, input_hash, device,
                  weights)
SELECT md5('r' || v || t), md5('t' || v || t)::uuid, 'bench', '1', 'default', md5('c' || t), 'fw1:' || md5('h' || v),
       'cpu', 'real'
FROM generate_series(1, $1) AS v, generate_series(1, 6) AS t;

INSERT INTO artifacts (id, video_id, task_id, attempt, artifact_type, schema_version, span_start_ms,
                       span_end_ms, payload, run_id, created_at)
SELECT md5('a' || v || t || k)::uuid, md5('v' || v)::uuid, md5('t' || v || t)::uuid, 1,
       (ARRAY['object','face','transcript_segment','ocr_text','place','scene'])[t], 1,
       k * 10000, k * 10000 + 2000,
       jsonb_build_object('label', 'thing ' || k, 'confidence', 0.5 + k / 20.0,
                          'box', jsonb_build_array(10, 20, 110, 220), 'frame_index', k * 250),
       md5('r' || v || t), now()
FROM generate_series(1, $1) AS v, generate_series(1, 6) AS t, generate_series(0, $2 - 1) AS k;
ANALYZE;
"""

QUERIES = {
    "tasks: newest first (default)": "/api/v1/tasks",
    "tasks: status=COMPLETED": "/api/v1/tasks?status=COMPLETED",
    "tasks: status=FAILED": "/api/v1/tasks?status=FAILED",
    "tasks: task_type=ocr": "/api/v1/tasks?task_type=ocr",
    "tasks: status=PENDING&task_type=transcription": "/api/v1/tasks?status=PENDING&task_type=transcription",
    "tasks: sort=started_at": "/api/v1/tasks?sort=started_at",
    "tasks: sort=running_time": "/api/v1/tasks?sort=running_time",
    "tasks: status=COMPLETED&sort=running_time": "/api/v1/tasks?status=COMPLETED&sort=running_time",
    "tasks: video_id=…": "/api/v1/tasks?video_id={video}",
    "tasks: offset=5000": "/api/v1/tasks?offset=5000",
    "videos/{id}/artifacts": "/api/v1/videos/{video}/artifacts",
    "videos/{id}/artifacts?artifact_type=ocr_text": "/api/v1/videos/{video}/artifacts?artifact_type=ocr_text",
    "videos: newest first": "/api/v1/videos",
    "videos: sort=path": "/api/v1/videos?sort=path&order=asc",
    "videos: status=ready&path_contains=…": "/api/v1/videos?status=ready&path_contains=/4242",
    "artifacts: run_id=…": "/api/v1/artifacts?run_id={run}",
    "artifacts: video_id=…&artifact_type=face": "/api/v1/artifacts?video_id={video}&artifact_type=face",
}


async def seed(database_url: str) -> float:
    started = time.perf_counter()
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("TRUNCATE videos, tasks, artifacts CASCADE")
        for statement in filter(str.strip, SEED.split(";")):
            args = (VIDEOS, ARTIFACTS_PER_TASK) if "$2" in statement else (VIDEOS,) if "$1" in statement else ()
            await connection.execute(statement, *args)
        counts = await connection.fetchrow("SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM artifacts)")
        print(f"seeded {counts[0]:,} tasks and {counts[1]:,} artifacts")
    finally:
        await connection.close()
    return time.perf_counter() - started


def measure(client: httpx.Client, path: str) -> dict[str, object]:
    for _ in range(10):  # warm the plan cache and the connection pool
        client.get(path).raise_for_status()
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    total = response.json()["total"]
    return {
        "p50 ms": f"{percentile(samples, 50):.1f}",
        "p99 ms": f"{percentile(samples, 99):.1f}",
        "mean ms": f"{statistics.fmean(samples):.1f}",
        "total": f"{total:,}",
    }


def main() -> None:
    bench_arguments(__doc__, "bench_api_queries")
    with bench_stores() as (database_url, valkey_url), tempfile.TemporaryDirectory() as media:
        seconds = asyncio.run(seed(database_url))
        with (
            api_process(database_url, valkey_url, Path(media)) as url,
            httpx.Client(base_url=url, headers=AUTH) as client,
        ):
            video = client.get("/api/v1/tasks?limit=1").json()["items"][0]["video_id"]
            run = client.get(f"/api/v1/videos/{video}/artifacts?limit=1").json()["items"][0]["provenance"]["run_id"]
            rows = [
                {"request": name, **measure(client, path.format(video=video, run=run))}
                for name, path in QUERIES.items()
            ]
    report(
        "api_queries",
        rows,
        {
            "data": f"{VIDEOS * 6:,} tasks, {VIDEOS * 6 * ARTIFACTS_PER_TASK:,} artifacts (seeded in {seconds:.1f} s)",
            "requests": f"{REQUESTS} sequential per row, after 10 warm-up, one API process, page size 50",
            "cpus": os.cpu_count(),
        },
    )


if __name__ == "__main__":
    main()
