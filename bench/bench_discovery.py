"""Discovery of 10,000 video files: the first scan, a rescan with nothing changed, and rescans after
touching (new mtime, same bytes) and changing (new bytes) 1% of them.

One tiny real video (0.4 s, 64x48 H.264) is generated, then copied into 100 folders of 100 files,
each with an mtime an hour in the past and an MP4 `free` box of its own at the end: a video is its
content (identical files are one video, analysed once), so each copy is another video. The
discoverer is composed as the API composes it (SQL unit of work, local library, PyAV prober, arq
queue, system clock) against real PostgreSQL and Valkey, so each figure includes walking the tree,
fingerprinting and probing, the transactions, and pushing the six jobs of every new or changed
video to Valkey.
"""

import asyncio
import inspect
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import text

from bench._common import bench_arguments, bench_stores, report
from framewise.application.ports import UnitOfWork
from framewise.application.results import DiscoveryReport
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.media.paths import resolve_roots
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise_dev.media import Segment, make_sample_video  # type: ignore[import-untyped, unused-ignore]

FILES = int(os.environ.get("BENCH_FILES", "10000"))
FOLDERS = int(os.environ.get("BENCH_FOLDERS", "100"))
RESCANS = int(os.environ.get("BENCH_RESCANS", "3"))
CHANGED_SHARE = 0.01
AGE_S = 3600  # every file is an hour old: never "still being written"
QUEUES = ("gpu_jobs", "cpu_jobs")


def write_library(root: Path) -> int:
    """FILES copies of one tiny real video in FOLDERS folders; returns the size of one file."""
    sample = make_sample_video(
        root.parent / "sample.mp4",
        segments=[Segment(0.4, (40, 90, 160), moving_square=False)],
        fps=10,
        width=64,
        height=48,
    )
    data = sample.path.read_bytes()
    past = time.time() - AGE_S
    for i in range(FILES):
        path = root / f"folder-{i % FOLDERS:03d}" / f"clip-{i // FOLDERS:05d}.mp4"
        path.parent.mkdir(exist_ok=True)
        own = f"copy {i:08d}".encode()
        path.write_bytes(data + (8 + len(own)).to_bytes(4, "big") + b"free" + own)
        os.utime(path, (past, past))
    return len(data)


def every_nth(root: Path) -> list[Path]:
    """About CHANGED_SHARE of the files, spread over the folders."""
    return sorted(root.rglob("*.mp4"))[:: round(1 / CHANGED_SHARE)]


def touch(paths: list[Path], offset_s: float) -> None:
    past = time.time() - AGE_S + offset_s
    for path in paths:
        os.utime(path, (past, past))


def change(paths: list[Path]) -> None:
    """New bytes at the end (FFmpeg ignores trailing data, so each stays a readable video)."""
    past = time.time() - AGE_S
    for path in paths:
        with path.open("ab") as handle:
            handle.write(b"\0" * 16)
        os.utime(path, (past, past))


class CountingProber(AvMediaProber):
    """The real prober, counting the files it reads (new, changed and touched ones)."""

    reads = 0

    async def fingerprint(self, absolute_path: str) -> str:
        self.reads += 1
        return await super().fingerprint(absolute_path)


class Bench:
    def __init__(self, database_url: str, valkey_url: str, media: Path) -> None:
        self.database_url, self.valkey_url, self.media = database_url, valkey_url, media

    async def run(self) -> tuple[list[dict[str, object]], dict[str, object]]:
        engine = create_engine(self.database_url, pool_size=10)
        pool = await open_pool(self.valkey_url)
        roots = resolve_roots([str(self.media)])
        prober = CountingProber()
        options: dict[str, Any] = {}
        if "settle_s" in inspect.signature(VideoDiscoverer).parameters:
            options["settle_s"] = 0
        # The cast: mypy finds SqlUnitOfWork's concrete repository attributes incompatible with the
        # Protocol's mutable ones (invariance), as it does in ApiContainer.
        uow = cast(UnitOfWork, SqlUnitOfWork(session_factory(engine)))
        discoverer = VideoDiscoverer(
            uow,
            LocalMediaLibrary(roots),
            prober,
            ArqJobQueue(pool),
            SystemClock(),
            roots=roots,
            **options,
        )

        async def counts() -> tuple[int, int, int]:
            async with engine.connect() as connection:
                row = (
                    await connection.execute(text("SELECT (SELECT count(*) FROM videos), (SELECT count(*) FROM tasks)"))
                ).one()
            jobs = sum([await pool.zcard(queue) for queue in QUEUES])
            return int(row[0]), int(row[1]), int(jobs)

        async def scan(name: str) -> dict[str, object]:
            reads, started = prober.reads, time.perf_counter()
            result: DiscoveryReport = await discoverer.execute(f"bench-{name}")
            seconds = time.perf_counter() - started
            videos, tasks, queued = await counts()
            return {
                "scan": name,
                "wall s": f"{seconds:.3f}",
                "files/s": f"{result.scanned / seconds:,.0f}",
                "read": f"{prober.reads - reads:,}",
                "new": f"{len(result.new):,}",
                "changed": f"{len(result.changed):,}",
                "invalid": f"{len(result.invalid):,}",
                "unchanged": f"{result.unchanged:,}",
                "settling": f"{len(getattr(result, 'settling', [])):,}",
                "tasks created": f"{result.tasks_created:,}",
                "jobs enqueued": f"{result.jobs_enqueued:,}",
                "videos (db)": f"{videos:,}",
                "tasks (db)": f"{tasks:,}",
                "jobs queued (valkey)": f"{queued:,}",
            }

        try:
            async with engine.begin() as connection:
                await connection.execute(text("TRUNCATE videos, tasks, artifacts CASCADE"))
            await pool.delete(*QUEUES)
            rows = [await scan("first scan")]
            rescans = [await scan(f"rescan {i + 1}, nothing changed") for i in range(RESCANS)]
            rows += rescans
            some = every_nth(self.media)
            await asyncio.to_thread(touch, some, 60)
            rows.append(await scan(f"rescan, {len(some)} touched (mtime only)"))
            await asyncio.to_thread(change, some)
            rows.append(await scan(f"rescan, {len(some)} changed (new bytes)"))
        finally:
            await pool.aclose()
            await engine.dispose()
        median = statistics.median(float(str(r["wall s"])) for r in rescans)
        return rows, {"rescan median s": f"{median:.3f}", "discoverer options": options or "none"}


def main() -> None:
    bench_arguments(__doc__, "bench_discovery")
    with bench_stores() as (database_url, valkey_url), tempfile.TemporaryDirectory() as tmp:
        media = Path(tmp) / "media"
        media.mkdir()
        started = time.perf_counter()
        size = write_library(media)
        written = time.perf_counter() - started
        rows, extra = asyncio.run(Bench(database_url, valkey_url, media).run())
    report(
        "discovery",
        rows,
        {
            "library": f"{FILES:,} copies of one {size:,}-byte H.264 mp4 in {FOLDERS} folders (written in "
            f"{written:.1f} s), mtime an hour ago",
            "composition": "as ApiContainer.video_discoverer(): SqlUnitOfWork, LocalMediaLibrary, AvMediaProber, "
            "ArqJobQueue, SystemClock; one root, real PostgreSQL and Valkey",
            **extra,
            "cpus": os.cpu_count(),
        },
    )


if __name__ == "__main__":
    main()
