"""Speakers at scale: 100,000 speaker turns in 2,000 speakers. Placing a new turn (the nearest voices
on pgvector's HNSW index, cosine, the insert, its speaker moment, the commit), listing speakers,
one speaker (its suggestion's statement over faces and voices included), and a speaker's
appearances, p50 and p99.

The library is generated: 2,000 videos (rows with a task and run each, bench_persons' seed) and
2,000 speakers, each a voice (256 non-negative numbers, unit length, as resemblyzer's) heard in 50
turns (a little noise each, ~0.93 similar) across the videos; a tenth of the speakers are named.
Turns are written with COPY, then the HNSW index is built. A new turn is placed by the worker's own
code (`add_voices` on a SqlUnitOfWork), one transaction per turn, as a completed transcription
places its turns. The listings are whole requests to the real API process over HTTP, one at a time.
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
from sqlalchemy import select

from bench._common import AUTH, api_process, bench_arguments, bench_stores, report
from bench.bench_persons import SEED, _video, row, timed
from framewise.application.voice_grouping import add_voices
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.voices import VoiceTurn
from framewise.infrastructure.postgres import tables
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork

SPEAKERS = int(os.environ.get("BENCH_SPEAKERS", "2000"))
TURNS_EACH = int(os.environ.get("BENCH_TURNS_EACH", "50"))
VIDEOS = int(os.environ.get("BENCH_SPEAKER_VIDEOS", "2000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
NOISE = 0.25  # per number, before normalising: two turns of one voice ~0.93 similar (tests/voices.py)
SIZE = 256


def _heard(voices: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each voice heard once: noise added, clipped at 0, normalised."""
    noisy = np.clip(voices + rng.normal(0, NOISE, voices.shape), 0, None).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=-1, keepdims=True)


async def seed(database_url: str, rng: np.random.Generator) -> tuple[np.ndarray, list[uuid.UUID]]:
    """The library; returns each speaker's voice (before normalising and noise), and its id."""
    voices = np.abs(rng.normal(0, 1, (SPEAKERS, SIZE))).astype(np.float32)
    connection = await asyncpg.connect(database_url)
    try:
        await register_vector(connection)
        await connection.execute("SET synchronous_commit = off")
        for statement in (s for s in SEED.split(";\n") if s.strip()):
            await connection.execute(statement, VIDEOS)
        now = datetime.now(UTC)
        speaker_ids = [uuid.uuid4() for _ in range(SPEAKERS)]
        await connection.copy_records_to_table(
            "speakers",
            records=[(s, f"Speaker Name {n:05d}" if n % 10 == 0 else None, now) for n, s in enumerate(speaker_ids)],
            columns=["id", "name", "created_at"],
        )
        await connection.execute("DROP INDEX ix_voices_descriptor")
        records = []
        for n, speaker in enumerate(speaker_ids):
            heard = _heard(np.repeat(voices[n : n + 1], TURNS_EACH, axis=0), rng)
            for k in range(TURNS_EACH):
                video_id, task_id, run_id = _video(1 + (n * 7 + k * 131) % VIDEOS)
                start = (k * 37_000 + n * 1_000) % 590_000
                records.append((uuid.uuid4(), video_id, task_id, run_id, speaker, False, start, start + 4000, heard[k]))
        columns = "id video_id task_id run_id speaker_id pinned start_ms end_ms descriptor".split()
        await connection.copy_records_to_table("voices", records=records, columns=columns)
        started = time.perf_counter()
        await connection.execute(
            "CREATE INDEX ix_voices_descriptor ON voices USING hnsw (descriptor vector_cosine_ops)"
        )
        print(f"HNSW index over {len(records):,} voices built in {time.perf_counter() - started:.1f} s")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return voices, speaker_ids


async def place_turns(
    database_url: str, voices: np.ndarray, speaker_ids: list[uuid.UUID], rng: np.random.Generator
) -> tuple[list[float], int]:
    """Each a new turn of a known speaker (or, one in ten, a new voice), placed in its own
    transaction; also how many landed right (a known voice in its speaker, a new one in none of
    the seeded speakers)."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    timings, right, seeded = [], 0, set(speaker_ids)
    try:
        for n in range(REQUESTS):
            known = n % 10 != 0
            who = int(rng.integers(SPEAKERS))
            source = voices[who] if known else np.abs(rng.normal(0, 1, SIZE))
            voice = tuple(float(x) for x in _heard(source[None, :], rng)[0])
            video_id, task_id, run_id = _video(1 + n % VIDEOS)
            turn = VoiceTurn(n * 5000 + 1, n * 5000 + 4001, voice)  # (seeded turns start on whole seconds)
            started = time.perf_counter()
            async with SqlUnitOfWork(sessions) as uow:
                await add_voices(uow.speakers, VideoId(video_id), TaskId(task_id), run_id, [turn], datetime.now(UTC))
                await uow.commit()
            timings.append((time.perf_counter() - started) * 1000)
            async with engine.connect() as connection:
                landed = await connection.scalar(
                    select(tables.voices.c.speaker_id).where(
                        tables.voices.c.video_id == video_id, tables.voices.c.start_ms == turn.start_ms
                    )
                )
            right += landed == speaker_ids[who] if known else landed not in seeded
    finally:
        await engine.dispose()
    return timings, right


def listings(api: str, rng: random.Random) -> dict[str, list[float]]:
    with httpx.Client(base_url=api, headers=AUTH, timeout=60) as client:
        some = client.get("/api/v1/speakers", params={"limit": 500, "offset": min(500, SPEAKERS // 2)}).json()["items"]
        ids = [s["id"] for s in some]
        kinds = {
            "list speakers (50, first page)": lambda: timed(client, "/api/v1/speakers", {"limit": 50}),
            "list speakers (50, deep page)": lambda: timed(
                client, "/api/v1/speakers", {"limit": 50, "offset": rng.randrange(0, SPEAKERS - 50)}
            ),
            "list speakers by name prefix": lambda: timed(
                client, "/api/v1/speakers", {"q": f"speaker name {rng.randrange(0, 20):02d}", "limit": 50}
            ),
            "one speaker, with its suggestion": lambda: timed(client, f"/api/v1/speakers/{rng.choice(ids)}", {}),
            "a speaker's appearances (50)": lambda: timed(
                client, f"/api/v1/speakers/{rng.choice(ids)}/appearances", {"limit": 50}
            ),
        }
        out = {}
        for name, call in kinds.items():
            for _ in range(5):
                call()  # warm
            out[name] = [call() for _ in range(REQUESTS)]
        return out


def main() -> None:
    bench_arguments(__doc__, "bench_speakers")
    rng, seeded = np.random.default_rng(7), random.Random(7)
    with bench_stores() as (database_url, valkey_url), TemporaryDirectory() as media:
        started = time.perf_counter()
        voices, speaker_ids = asyncio.run(seed(database_url, rng))
        seed_s = time.perf_counter() - started
        placing, right = asyncio.run(place_turns(database_url, voices, speaker_ids, rng))
        with api_process(database_url, valkey_url, Path(media)) as api:
            reads = listings(api, seeded)
    rows = [row("place a new turn", placing, 20)]
    targets = {"a speaker's appearances (50)": 50}
    rows += [row(name, samples, targets.get(name, 100)) for name, samples in reads.items()]
    meta = {
        "turns": SPEAKERS * TURNS_EACH,
        "speakers": SPEAKERS,
        "videos": VIDEOS,
        "requests each": REQUESTS,
        "new turns placed right": f"{right} of {REQUESTS}",
        "seed s": round(seed_s, 1),
        "cpu": os.cpu_count(),
    }
    report("bench_speakers", rows, meta)


if __name__ == "__main__":
    main()
