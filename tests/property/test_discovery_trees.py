"""Discovery over any tree of files, on the real PostgreSQL and Valkey.

Whatever the tree holds (real videos, duplicates of them, files with a video extension that are not
videos, files with other extensions, nested and hidden folders, unicode names), one scan must:
- record every visible file with a video extension once, as a location of a READY video when it is
  a video and of an INVALID one (with a reason) when it is not;
- make one video per distinct real content, whatever the number of its copies (the first path in
  scan order its primary, the others reported as copies), and one per invalid file;
- create exactly six tasks per READY video, one per task type, each enqueued: its arq job is in
  Valkey, on `gpu_jobs` for the five GPU-class types and on `cpu_jobs` for scene detection;
- create nothing for an INVALID video, a file with another extension or a hidden file or folder.
A second scan of the same tree creates nothing: no video, no task, no job, and its report says so.

The test is synchronous and drives its own event loop (one for the module), so that the engine,
the Redis client and the arq pool live on the loop that uses them; hypothesis reuses fixtures
across examples, so each example empties the stores itself and gets a fresh media root.
"""

import asyncio
import inspect
import os
import shutil
import struct
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from arq.connections import ArqRedis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import DiscoveryReport
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.domain.analyses import analysis_of
from framewise.domain.routing import QueueName, TaskType
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise.infrastructure.queue.serialization import deserialize
from framewise_dev.media import Segment, make_sample_video

pytestmark = [pytest.mark.property, pytest.mark.integration]

CORRELATION = "tree-property"
# The extensions discovery looks for (any case); written out here so the test is its own oracle.
VIDEO_EXTENSIONS = ".mp4 .m4v .mov .mkv .webm .avi .mpg .mpeg .ts .mts .m2ts .wmv .flv .3gp .ogv".split()
MAX_FILES = 8

# --- the trees --------------------------------------------------------------------------------------

# Names people really use, and names that trip code up: NFC and NFD spellings of the same word
# (distinct files on Linux), letters whose case mapping changes length, emoji, spaces at either
# end, shell and URL metacharacters, a zero-width space, control characters, dots inside.
SEED_NAMES = [
    "clip",
    "Clip",
    "café",
    unicodedata.normalize("NFD", "café"),
    "Ωmega",  # U+2126 OHM SIGN, which NFC turns into U+03A9
    "Ωmega",
    "ﬁle",
    "İstanbul",
    "Straẞe",
    "my video",
    " lead",
    "trail ",
    "😀",
    "🎬 take 2",
    "日本語",
    "한국어",
    "\u200bzero",
    "tab\there",
    "new\nline",
    "a.b.c",
    "v1.",
    "%20",
    '*?<>|:"\\',
    "-rf",
    "~",
    "…",
]
NAME_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="/\x00")  # what ext4 takes
# At most 16 characters of at most 4 UTF-8 bytes each: far below the 255-byte limit on a name.
STEMS = st.one_of(st.sampled_from(SEED_NAMES), st.text(NAME_CHARS, min_size=1, max_size=16)).filter(
    lambda s: not s.startswith(".")
)
OTHER_EXTENSIONS = [".txt", ".jpg", ".mp3", ".srt", ".part", ".mp4~", ".mp4.part", ".mp44", ".mp", ".JSON", ""]


@st.composite
def video_extensions(draw: st.DrawFn) -> str:
    extension = draw(st.sampled_from(VIDEO_EXTENSIONS))
    upper = draw(st.lists(st.booleans(), min_size=len(extension), max_size=len(extension)))
    return "".join(c.upper() if u else c for c, u in zip(extension, upper, strict=True))


@st.composite
def other_names(draw: st.DrawFn) -> str:
    extension = draw(st.sampled_from(OTHER_EXTENSIONS))
    stem = draw(STEMS)
    if not extension:
        stem = stem.replace(".", "_")  # else "a.b.mp4" would have an extension after all
    return stem + extension


# What a file holds, materialized by `content` once the real videos exist:
#   ("real", i)               a copy of real video i (the same bytes wherever it is copied)
#   ("empty",)                zero bytes
#   ("random", bytes)         bytes that are no video
#   ("text", str)             a text file
#   ("truncated", i, f)       real video i cut at f of the way to its moov box (so without one)
CONTENTS = st.one_of(  # half real videos, half not
    st.tuples(st.just("real"), st.integers(0, 1)),
    st.one_of(
        st.just(("empty",)),
        st.tuples(st.just("random"), st.binary(min_size=1, max_size=512)),
        st.tuples(st.just("text"), st.text(max_size=40)),
        st.tuples(st.just("truncated"), st.integers(0, 1), st.floats(0, 1, exclude_max=True)),
    ),
)
Content = tuple[Any, ...]
Tree = dict[tuple[str, ...], tuple[bool, Content]]  # path components -> (has a video extension, content)


@st.composite
def folder_names(draw: st.DrawFn) -> str:
    name = draw(st.one_of(STEMS, st.builds(lambda s, e: s + e, STEMS, video_extensions())))  # "x.mp4/" too
    return "." + name if draw(st.integers(0, 5)) == 0 else name


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    folders: list[tuple[str, ...]] = [
        (),
        *draw(st.lists(st.lists(folder_names(), min_size=1, max_size=2).map(tuple), max_size=3)),
    ]
    dirs = {folder[:i] for folder in folders for i in range(len(folder) + 1)}
    files: Tree = {}
    for _ in range(draw(st.integers(1, MAX_FILES))):
        folder = draw(st.sampled_from(folders))
        kind = draw(st.sampled_from(["video", "video", "video", "other", "hidden"]))
        if kind == "other":
            name = draw(other_names())
        else:
            name = draw(STEMS) + draw(video_extensions())
            name = "." + name if kind == "hidden" else name
        path = (*folder, name)
        if path in dirs or path in files or any(path[:i] in files for i in range(1, len(path))):
            continue  # a file where a folder is, or the same name twice
        files[path] = (kind != "other", draw(CONTENTS))
    return files


# --- the real videos, made once -----------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    videos: list[bytes]
    moov_at: list[int]  # offset of each video's moov box: any prefix shorter has no index


def moov_offset(data: bytes) -> int:
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"moov":
            return offset
        offset += size
    raise AssertionError("the sample has no moov box")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    """Two tiny real videos (one 32x32 frame each, different colours), so duplicates and distinct
    contents both occur."""
    folder = tmp_path_factory.mktemp("tree-sources")
    videos = []
    for index, colour in enumerate([(200, 20, 20), (20, 20, 200)]):
        segment = Segment(0.1, colour, moving_square=False)
        sample = make_sample_video(folder / f"v{index}.mp4", segments=[segment], fps=10, width=32, height=32)
        videos.append(sample.path.read_bytes())
    assert videos[0] != videos[1]
    return Sources(videos, [moov_offset(v) for v in videos])


def content(spec: Content, sources: Sources) -> bytes:
    match spec:
        case ("real", index):
            return sources.videos[index]
        case ("empty",):
            return b""
        case ("random", data):
            return bytes(data)
        case ("text", words):
            return str(words).encode()
        case ("truncated", index, fraction):
            return sources.videos[index][: int(fraction * sources.moov_at[index])]
    raise AssertionError(spec)


@dataclass
class Expected:
    valid: dict[str, bytes] = field(default_factory=dict)  # relative POSIX path -> bytes
    invalid: dict[str, bytes] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def write_tree(root: Path, tree: Tree, sources: Sources) -> Expected:
    """Write the tree with every mtime a minute old (settled), and say what discovery must make of it."""
    expected = Expected()
    past = time.time() - 60
    for path, (video_extension, spec) in tree.items():
        target = root.joinpath(*path)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content(spec, sources)
        target.write_bytes(data)
        os.utime(target, (past, past))
        relative = "/".join(path)
        if video_extension and not any(part.startswith(".") for part in path):
            (expected.valid if spec[0] == "real" else expected.invalid)[relative] = data
        else:
            expected.ignored.append(relative)  # another extension, or hidden (itself or a folder)
    return expected


# --- the stores, on a loop of the module's own ------------------------------------------------------


@dataclass
class Stores:
    runner: asyncio.Runner
    engine: AsyncEngine
    redis: Redis
    pool: ArqRedis


@pytest.fixture(scope="module")
def own_stores(database_url: str, valkey_url: str) -> Iterator[Stores]:
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)  # never touches the current loop

    async def open_stores() -> Stores:
        return Stores(runner, create_engine(database_url), Redis.from_url(valkey_url), await open_pool(valkey_url))

    stores = runner.run(open_stores())
    yield stores

    async def close_stores() -> None:
        await stores.pool.aclose()
        await stores.redis.aclose()
        await stores.engine.dispose()

    runner.run(close_stores())
    runner.close()


@pytest.fixture(scope="module")
def media_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("trees").resolve()


async def empty(stores: Stores) -> None:
    async with stores.engine.begin() as connection:
        await connection.execute(text("TRUNCATE videos, tasks, artifacts CASCADE"))
    await stores.redis.flushall()


async def discover(stores: Stores, root: Path) -> DiscoveryReport:
    """Composed as ApiContainer.video_discoverer() composes it."""
    roots = [str(root)]
    extra: dict[str, Any] = {}
    if "settle_s" in inspect.signature(VideoDiscoverer).parameters:
        extra["settle_s"] = 0
    use_case = VideoDiscoverer(
        SqlUnitOfWork(session_factory(stores.engine)),
        LocalMediaLibrary(roots),
        AvMediaProber(),
        ArqJobQueue(stores.pool),
        SystemClock(),
        roots=roots,
        **extra,
    )
    return await use_case.execute(CORRELATION)


@dataclass(frozen=True)
class State:
    videos: dict[str, dict[str, Any]]  # primary path -> row
    files: dict[str, dict[str, Any]]  # path -> video_files row
    tasks: dict[str, dict[str, Any]]  # task id -> row
    queues: dict[str, set[str]]  # queue name -> job ids
    keys: set[str]
    jobs: dict[str, dict[str, Any]]  # job id -> the job arq stored


async def snapshot(stores: Stores) -> State:
    async with stores.engine.connect() as connection:
        video_rows = (await connection.execute(text("SELECT * FROM videos"))).mappings().all()
        task_rows = (await connection.execute(text("SELECT * FROM tasks"))).mappings().all()
        file_rows = (await connection.execute(text("SELECT * FROM video_files"))).mappings().all()
    redis = stores.redis
    queues = {q.value: {m.decode() for m in await redis.zrange(q.value, 0, -1)} for q in QueueName}
    keys = {k.decode() for k in await redis.keys("*")}
    jobs = {}
    for key in keys:
        if key.startswith("arq:job:"):
            stored = await redis.get(key)
            assert stored is not None, key
            jobs[key.removeprefix("arq:job:")] = deserialize(stored)
    return State(
        videos={row["path"]: dict(row) for row in video_rows},
        files={row["path"]: dict(row) for row in file_rows},
        tasks={str(row["id"]): dict(row) for row in task_rows},
        queues=queues,
        keys=keys,
        jobs=jobs,
    )


def check_first_scan(report: DiscoveryReport, state: State, expected: Expected, root: Path) -> None:
    recorded = expected.valid | expected.invalid
    assert set(state.files) == set(recorded), "exactly the visible files with a video extension are recorded"
    by_id = {str(row["id"]): row for row in state.videos.values()}
    owner = {path: by_id[str(row["video_id"])] for path, row in state.files.items()}
    for path, row in state.files.items():
        assert (row["root"], row["size"], row["missing_since"]) == (str(root), len(recorded[path]), None), path
        video = owner[path]
        if path in expected.valid:
            assert (video["status"], video["error"], video["width"], video["height"]) == ("ready", None, 32, 32), path
        else:
            assert video["status"] == "invalid" and (video["error"] or "").strip(), (path, video)
    # A video is its content: real files share a video exactly when their bytes are equal; an
    # invalid file is a video of its own. The fingerprint tells contents apart exactly.
    for a in recorded:
        for b in recorded:
            same_video = owner[a]["id"] == owner[b]["id"]
            if a in expected.valid and b in expected.valid:
                assert same_video == (recorded[a] == recorded[b]), (a, b)
            elif a != b:
                assert not same_video, (a, b)
            same_hash = owner[a]["content_hash"] == owner[b]["content_hash"]
            assert same_hash == (recorded[a] == recorded[b]), (a, b)
    # The first path of a content in scan order is its video's primary; the others are its copies.
    primary = {str(v["id"]): min(p for p in recorded if str(owner[p]["id"]) == i) for i, v in by_id.items()}
    assert {i: v["path"] for i, v in by_id.items()} == primary
    assert all(v["root"] == str(root) and v["size"] == len(recorded[v["path"]]) for v in by_id.values())

    video_of = {str(row["id"]): path for path, row in state.videos.items()}  # id -> primary path
    primaries = set(video_of.values())
    contents = len({recorded[p] for p in expected.valid})  # one video, six tasks, each
    types_of: dict[str, list[str]] = {}
    for task_id, task in state.tasks.items():
        path = video_of[str(task["video_id"])]
        assert path in expected.valid, f"a task for {path!r}, which is no valid video"
        types_of.setdefault(path, []).append(task["task_type"])
        assert task["status"] == "PENDING" and task["attempt"] == 1, task
        assert task["job_id"] == f"task:{task_id}:1", task
        assert task["queue"] == analysis_of(TaskType(task["task_type"])).queue.value, task
        assert task["correlation_id"] == CORRELATION, task
    assert {p: sorted(t) for p, t in types_of.items()} == {
        p: sorted(TaskType) for p in expected.valid if p in primaries
    }

    job_ids = {str(task["job_id"]): task for task in state.tasks.values()}
    for queue in QueueName:
        on_queue = {j for j, task in job_ids.items() if task["queue"] == queue.value}
        assert state.queues[queue.value] == on_queue, queue
    assert state.keys == {f"arq:job:{j}" for j in job_ids} | {q for q, jobs in state.queues.items() if jobs}
    for job_id, task in job_ids.items():
        job = state.jobs[job_id]
        assert (job["f"], job["a"], job["k"]) == (
            "run_task",
            [],
            {"task_id": str(task["id"]), "attempt": 1, "correlation_id": CORRELATION, "task_type": task["task_type"]},
        ), job

    assert sorted(str(v) for v in report.new) == sorted(video_of), "each video is reported new once"
    assert sorted(report.copies) == sorted(set(recorded) - set(state.videos)), "every other path is a copy"
    assert (report.changed, report.moved, report.missing, report.returned) == ([], [], [], [])
    assert (report.unchanged, report.scanned) == (0, len(recorded))
    assert set(report.invalid) == set(expected.invalid)
    assert all(reason == state.videos[p]["error"] for p, reason in report.invalid.items())
    assert (report.tasks_created, report.jobs_enqueued) == (6 * contents, 6 * contents)


async def scan_twice(stores: Stores, root: Path, expected: Expected) -> None:
    await empty(stores)
    first = await discover(stores, root)
    state = await snapshot(stores)
    check_first_scan(first, state, expected, root)

    second = await discover(stores, root)
    seen = len(expected.valid) + len(expected.invalid)
    assert second == DiscoveryReport(scanned=seen, unchanged=seen), "a rescan reports nothing new"
    assert await snapshot(stores) == state, "a rescan changes no row, no queue and no job"


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tree=trees())
def test_any_tree_yields_six_queued_tasks_per_valid_video_and_a_rescan_adds_nothing(
    tree: Tree, own_stores: Stores, sources: Sources, media_base: Path
) -> None:
    root = Path(tempfile.mkdtemp(dir=media_base)).resolve()
    expected = write_tree(root, tree, sources)
    event(f"{len(expected.valid)} valid, {len(expected.invalid)} invalid, {len(expected.ignored)} ignored")
    if len(set(expected.valid.values())) < len(expected.valid):
        event("the same video at several paths")
    own_stores.runner.run(scan_twice(own_stores, root, expected))
    shutil.rmtree(root)


# --- trees the property found bugs in (now fixed): names that are not UTF-8, and symlink loops ------


def write_settled(path: str | bytes | Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
    past = time.time() - 60
    os.utime(path, (past, past))


def test_a_name_that_is_not_utf8_does_not_stop_the_scan(own_stores: Stores, sources: Sources, media_base: Path) -> None:
    root = Path(tempfile.mkdtemp(dir=media_base)).resolve()
    write_settled(os.path.join(os.fsencode(root), b"caf\xe9.mp4"), sources.videos[0])  # Latin-1 "café.mp4"
    write_settled(root / "ok.mp4", sources.videos[1])

    async def scan() -> State:
        await empty(own_stores)
        await discover(own_stores, root)
        return await snapshot(own_stores)

    state = own_stores.runner.run(scan())
    ok = state.videos["ok.mp4"]
    assert ok["status"] == "ready"
    assert sum(str(task["video_id"]) == str(ok["id"]) for task in state.tasks.values()) == 6


def test_a_symlink_loop_inside_the_root_registers_a_video_once(
    own_stores: Stores, sources: Sources, media_base: Path
) -> None:
    root = Path(tempfile.mkdtemp(dir=media_base)).resolve()
    (root / "a").mkdir()
    write_settled(root / "a" / "x.mp4", sources.videos[0])
    (root / "a" / "again").symlink_to(root / "a", target_is_directory=True)
    (root / "a" / "up").symlink_to(root, target_is_directory=True)  # two loops: exponential if followed

    async def scan() -> State:
        await empty(own_stores)
        await discover(own_stores, root)
        return await snapshot(own_stores)

    state = own_stores.runner.run(scan())
    assert list(state.videos) == ["a/x.mp4"], f"one file registered as {sorted(state.videos)}"
