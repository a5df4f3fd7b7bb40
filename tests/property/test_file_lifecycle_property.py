"""Any sequence of file operations (write, delete, rename, move out of the roots and back), each
followed by a scan, on the real PostgreSQL and Valkey. After every scan:
- every file in the tree is a location (there, not missing) of the video of its content; every
  location no longer in the tree is missing;
- no two videos share real content, and each READY or MISSING video has exactly six tasks: what
  is known is never analysed twice;
- a video is MISSING exactly when none of its files is there, and its primary path is a file that is
  there whenever it has one;
- only a write of content no video has creates tasks (six); a delete, rename or move creates none;
- a second scan right after finds nothing to do and changes nothing.

Synchronous with its own event loop, as test_discovery_trees.py (hypothesis reuses fixtures across
examples, so each example empties the stores and gets a fresh media root).
"""

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import DiscoveryReport
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise_dev.media import Segment, make_sample_video

pytestmark = [pytest.mark.property, pytest.mark.integration]

PATHS = ["a.mp4", "b.mp4", "d/c.mp4", "d/e/f.mkv"]
INVALID = b"this is no video at all"

# ("write", path, content index), ("delete", path), ("rename", from, to), ("stash", path), ("unstash", path)
Op = tuple[Any, ...]
OPS = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(PATHS), st.integers(0, 3)),  # 3: the invalid content
    st.tuples(st.just("delete"), st.sampled_from(PATHS)),
    st.tuples(st.just("rename"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
    st.tuples(st.just("stash"), st.sampled_from(PATHS)),  # moved out of the root, mtime kept
    st.tuples(st.just("unstash"), st.sampled_from(PATHS)),  # and back where it was
)


@dataclass
class World:
    runner: asyncio.Runner
    engine: AsyncEngine
    valkey_url: str
    contents: list[bytes]
    hashes: dict[bytes, str]  # real content -> its fingerprint


@pytest.fixture(scope="module")
def world(database_url: str, valkey_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("lifecycle-sources")
    contents, hashes = [], {}
    for index, colour in enumerate([(200, 20, 20), (20, 200, 20), (20, 20, 200)]):
        segment = Segment(0.1 * (index + 1), colour, moving_square=False)
        sample = make_sample_video(folder / f"v{index}.mp4", segments=[segment], fps=10, width=32, height=32)
        contents.append(sample.path.read_bytes())
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
    prober = AvMediaProber()
    for index, data in enumerate(contents):
        hashes[data] = runner.run(prober.fingerprint(str(folder / f"v{index}.mp4")))
    assert len(set(hashes.values())) == 3
    world = World(runner, runner.run(_engine(database_url)), valkey_url, [*contents, INVALID], hashes)
    yield world
    runner.run(world.engine.dispose())
    runner.close()


async def _engine(url: str) -> AsyncEngine:
    return create_engine(url)


async def discover(world: World, root: Path) -> DiscoveryReport:
    pool = await open_pool(world.valkey_url)
    try:
        use_case = VideoDiscoverer(
            SqlUnitOfWork(session_factory(world.engine)),
            LocalMediaLibrary([str(root)]),
            AvMediaProber(),
            ArqJobQueue(pool),
            SystemClock(),
            roots=[str(root)],
        )
        return await use_case.execute("lifecycle")
    finally:
        await pool.aclose()


async def rows(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    async with world.engine.connect() as connection:
        videos = [dict(r) for r in (await connection.execute(text("SELECT * FROM videos"))).mappings()]
        files = [dict(r) for r in (await connection.execute(text("SELECT * FROM video_files"))).mappings()]
        tasks = [dict(r) for r in (await connection.execute(text("SELECT id, video_id FROM tasks"))).mappings()]
    return videos, files, tasks


class Tree:
    """The media root and a stash outside it, every write with its own settled mtime."""

    def __init__(self, root: Path, stash: Path, contents: list[bytes]) -> None:
        self.root, self.stash, self.contents = root, stash, contents
        self.clock = time.time() - 3600

    def tick(self) -> float:
        self.clock += 1
        return self.clock

    def apply(self, op: Op) -> bool:
        """Apply the operation; False when it does nothing (a missing source)."""
        match op:
            case ("write", path, index):
                target = self.root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.contents[index])
                mtime = self.tick()
                os.utime(target, (mtime, mtime))
                return True
            case ("delete", path):
                if not (self.root / path).exists():
                    return False
                (self.root / path).unlink()
                return True
            case ("rename", source, target) if source != target and (self.root / source).exists():
                (self.root / target).parent.mkdir(parents=True, exist_ok=True)
                os.rename(self.root / source, self.root / target)
                return True
            case ("stash", path) if (self.root / path).exists():
                os.rename(self.root / path, self.stash / path.replace("/", "_"))
                return True
            case ("unstash", path) if (self.stash / path.replace("/", "_")).exists():
                (self.root / path).parent.mkdir(parents=True, exist_ok=True)
                os.rename(self.stash / path.replace("/", "_"), self.root / path)
                return True
        return False

    def files(self) -> dict[str, bytes]:
        return {p: (self.root / p).read_bytes() for p in PATHS if (self.root / p).exists()}


async def check(world: World, tree: Tree, op: Op, known_before: set[str], report: DiscoveryReport) -> None:
    videos, files, tasks = await rows(world)
    by_id = {v["id"]: v for v in videos}
    located = {f["path"]: f for f in files}
    present = tree.files()
    for path, data in present.items():
        where = located[path]
        video = by_id[where["video_id"]]
        assert where["missing_since"] is None, (op, path)
        if data == INVALID:
            assert video["status"] == "invalid", (op, path)
            assert [f["path"] for f in files if f["video_id"] == video["id"]] == [path], (op, path)
        else:
            assert (video["content_hash"], video["status"]) == (world.hashes[data], "ready"), (op, path)
    for path, where in located.items():
        assert (where["missing_since"] is None) == (path in present), (op, path)
    real = [v for v in videos if v["status"] != "invalid"]
    assert len({v["content_hash"] for v in real}) == len(real), f"{op}: one video per content"
    per_video: dict[Any, int] = {}
    for task in tasks:
        per_video[task["video_id"]] = per_video.get(task["video_id"], 0) + 1
    assert per_video == {v["id"]: 6 for v in real}, op
    for video in real:
        mine = [f for f in files if f["video_id"] == video["id"]]
        there = [f["path"] for f in mine if f["missing_since"] is None]
        assert (video["status"] == "missing") == (not there), (op, video["path"])
        assert (video["missing_since"] is None) == bool(there), (op, video["path"])
        if there:
            assert video["path"] in there, (op, video["path"], there)
    written = op[0] == "write" and op[2] < 3 and world.hashes[world.contents[op[2]]] not in known_before
    assert report.tasks_created == (6 if written else 0), (op, report)


async def run_example(world: World, tree: Tree, ops: list[Op]) -> None:
    async with world.engine.begin() as connection:
        await connection.execute(text("TRUNCATE videos, tasks, artifacts CASCADE"))
    for op in ops:
        if not tree.apply(op):
            continue
        videos, _, _ = await rows(world)
        known_before = {v["content_hash"] for v in videos if v["status"] != "invalid"}
        report = await discover(world, tree.root)
        await check(world, tree, op, known_before, report)
        state = await rows(world)
        again = await discover(world, tree.root)
        scanned = len(tree.files())
        assert again == DiscoveryReport(scanned=scanned, unchanged=scanned), (op, again)
        assert await rows(world) == state, f"{op}: a rescan changes nothing"


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=6))
def test_any_sequence_of_file_operations_keeps_one_analysed_video_per_content(
    ops: list[Op], world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp())).resolve()
    (base / "root").mkdir()
    (base / "stash").mkdir()
    tree = Tree(base / "root", base / "stash", world.contents)
    world.runner.run(run_example(world, tree, ops))
    shutil.rmtree(base)
