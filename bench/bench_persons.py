"""People at scale: 100,000 faces in 5,000 persons. Placing a new face (the grouping's nearest
faces on pgvector's HNSW index, the refusals, the insert, its person moment, the commit), listing
persons, and a person's appearances, p50 and p99.

The library is generated: 2,000 videos (rows, with a face-detection task and run each) and 5,000
persons, each a look (128 numbers at dlib's spread) seen in 20 face tracks (a little noise each)
across the videos; a tenth of the persons are named. Faces are written with COPY, then the HNSW
index is built. A new face is placed by the worker's own code (`add_faces` on a SqlUnitOfWork), one
transaction per face, as a completed run places its tracks. The listings are whole requests to the
real API process over HTTP, one at a time (auth, validation, SQL, signing, JSON).
"""

import asyncio
import os
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import asyncpg
import httpx
import numpy as np
from pgvector.asyncpg import register_vector

from bench._common import AUTH, api_process, bench_arguments, bench_stores, percentile, report
from framewise.application.face_grouping import add_faces
from framewise.domain.faces import FaceTrack
from framewise.domain.ids import TaskId, VideoId
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork

PERSONS = int(os.environ.get("BENCH_PERSONS", "5000"))
FACES_EACH = int(os.environ.get("BENCH_FACES_EACH", "20"))
VIDEOS = int(os.environ.get("BENCH_PERSON_VIDEOS", "2000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
SPREAD, NOISE = 0.09, 0.012

SEED = """
INSERT INTO videos (id, root, path, size, mtime, content_hash, status, duration_ms, fps, width, height,
                    has_audio, discovered_at)
SELECT md5('v' || i)::uuid, '/media', 'people/' || lpad(i::text, 5, '0') || '.mp4', 1e7 + i, 1.7e9,
       'fw1:' || md5('h' || i), 'ready', 600000, 25, 640, 360, true, now()
FROM generate_series(1, $1) AS i;

INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, progress,
                   correlation_id, created_at)
SELECT md5('t' || i)::uuid, md5('v' || i)::uuid, 'face_detection', 'COMPLETED', 'gpu_jobs', 1, '{}'::jsonb, 'c',
       1, 'bench', now()
FROM generate_series(1, $1) AS i;

INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, input_hash, device,
                  weights)
SELECT md5('r' || i), md5('t' || i)::uuid, 'bench', '1', 'default', 'c', 'fw1:' || md5('h' || i), 'cpu', 'real'
FROM generate_series(1, $1) AS i
"""


def _video(i: int) -> tuple[uuid.UUID, uuid.UUID, str]:
    """The ids the seed gave video i (md5 as PostgreSQL computes it)."""
    import hashlib

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    return uuid.UUID(md5(f"v{i}")), uuid.UUID(md5(f"t{i}")), md5(f"r{i}")


async def seed(database_url: str, rng: np.random.Generator) -> np.ndarray:
    """The library; returns each person's look."""
    looks = rng.normal(0, SPREAD, (PERSONS, 128)).astype(np.float32)
    connection = await asyncpg.connect(database_url)
    try:
        await register_vector(connection)
        await connection.execute("SET synchronous_commit = off")
        for statement in (s for s in SEED.split(";\n") if s.strip()):
            await connection.execute(statement, VIDEOS)
        now = datetime.now(UTC)
        person_ids = [uuid.uuid4() for _ in range(PERSONS)]
        await connection.copy_records_to_table(
            "persons",
            records=[(p, f"Person {n:05d}" if n % 10 == 0 else None, now) for n, p in enumerate(person_ids)],
            columns=["id", "name", "created_at"],
        )
        await connection.execute("DROP INDEX ix_faces_descriptor")
        records = []
        for n, person in enumerate(person_ids):
            seen = looks[n] + rng.normal(0, NOISE, (FACES_EACH, 128)).astype(np.float32)
            for k in range(FACES_EACH):
                video_id, task_id, run_id = _video(1 + (n * 7 + k * 131) % VIDEOS)
                start = (k * 37_000 + n * 1_000) % 590_000
                records.append(
                    (uuid.uuid4(), video_id, task_id, run_id, person, False, start, start + 4000, start + 1000,
                     100.0, 60.0, 200.0, 190.0, 0.99, 4, seen[k])
                )  # fmt: skip
        columns = "id video_id task_id run_id person_id pinned start_ms end_ms best_ms x1 y1 x2 y2 confidence count"
        await connection.copy_records_to_table("faces", records=records, columns=[*columns.split(), "descriptor"])
        started = time.perf_counter()
        await connection.execute("CREATE INDEX ix_faces_descriptor ON faces USING hnsw (descriptor vector_l2_ops)")
        print(f"HNSW index over {len(records):,} faces built in {time.perf_counter() - started:.1f} s")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return looks


async def place_faces(database_url: str, looks: np.ndarray, rng: np.random.Generator) -> list[float]:
    """Each a new face of a known person (or, one in ten, a stranger), placed in its own transaction."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    timings = []
    try:
        for n in range(REQUESTS):
            look = looks[rng.integers(PERSONS)] if n % 10 else rng.normal(0, SPREAD, 128)
            descriptor = tuple(float(x) for x in look + rng.normal(0, NOISE, 128))
            video_id, task_id, run_id = _video(1 + n % VIDEOS)
            track = FaceTrack(0, 4000, 1000, (100.0, 60.0, 200.0, 190.0), 0.99, descriptor, 4)
            started = time.perf_counter()
            async with SqlUnitOfWork(sessions) as uow:
                await add_faces(uow.persons, VideoId(video_id), TaskId(task_id), run_id, [track], datetime.now(UTC))
                await uow.commit()
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return timings


def timed(client: httpx.Client, path: str, params: dict[str, object]) -> float:
    started = time.perf_counter()
    answer = client.get(path, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, answer.text
    return elapsed


def listings(api: str, rng: random.Random) -> dict[str, list[float]]:
    with httpx.Client(base_url=api, headers=AUTH, timeout=60) as client:
        some = client.get("/api/v1/persons", params={"limit": 500, "offset": min(1000, PERSONS // 2)}).json()["items"]
        ids = [p["id"] for p in some]
        kinds = {
            "list persons (50, first page)": lambda: timed(client, "/api/v1/persons", {"limit": 50}),
            "list persons (50, deep page)": lambda: timed(
                client, "/api/v1/persons", {"limit": 50, "offset": rng.randrange(0, PERSONS - 50)}
            ),
            "list persons by name prefix": lambda: timed(
                client, "/api/v1/persons", {"q": f"person {rng.randrange(0, 50):02d}", "limit": 50}
            ),
            "a person's appearances (50)": lambda: timed(
                client, f"/api/v1/persons/{rng.choice(ids)}/appearances", {"limit": 50}
            ),
        }
        out = {}
        for name, call in kinds.items():
            for _ in range(5):
                call()  # warm
            out[name] = [call() for _ in range(REQUESTS)]
        return out


def row(name: str, samples: list[float], target_ms: float) -> dict[str, object]:
    p99 = percentile(samples, 99)
    return {
        "measure": name,
        "p50 ms": round(percentile(samples, 50), 1),
        "p99 ms": round(p99, 1),
        "target p99 ms": target_ms,
        "met": "yes" if p99 <= target_ms else "no",
    }


def main() -> None:
    bench_arguments(__doc__, "bench_persons")
    rng, seeded = np.random.default_rng(7), random.Random(7)
    with bench_stores() as (database_url, valkey_url), TemporaryDirectory() as media:
        started = time.perf_counter()
        looks = asyncio.run(seed(database_url, rng))
        seed_s = time.perf_counter() - started
        placing = asyncio.run(place_faces(database_url, looks, rng))
        with api_process(database_url, valkey_url, Path(media)) as api:
            reads = listings(api, seeded)
    rows = [row("place a new face", placing, 20)]
    targets = {"a person's appearances (50)": 50}
    rows += [row(name, samples, targets.get(name, 100)) for name, samples in reads.items()]
    meta = {
        "faces": PERSONS * FACES_EACH,
        "persons": PERSONS,
        "videos": VIDEOS,
        "requests each": REQUESTS,
        "seed s": round(seed_s, 1),
        "cpu": os.cpu_count(),
    }
    report("bench_persons", rows, meta)


if __name__ == "__main__":
    main()
