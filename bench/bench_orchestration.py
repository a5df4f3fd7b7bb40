"""Orchestration overhead: real Framewise workers against bare arq, with an ML service that answers at once.

Framewise: 1,000 tiny media files (fingerprinted for real) x 5 GPU-class analyses = 5,000 PENDING
tasks on `gpu_jobs`, seeded in SQL. N real worker processes (`python -m framewise_worker.main`,
GPU_MODE=gpu, JSON logs at INFO, as deployed) run them against `bench/ml_stub.py`, which answers
each inference at once with ITEMS valid items. Every task goes through the real `TaskEnqueuer`
(one PostgreSQL transaction, then `ArqJobQueue.push`), ENQUEUERS at a time. Each task is timed
from its row: `enqueued_at` -> `completed_at`; throughput is tasks / (last completed_at - first
enqueued_at).

Bare arq: N `bench/arq_noop_worker.py` processes (same job signature, serializer, queue name,
max_jobs, poll delay) and the same number of jobs pushed with `enqueue_job`, ENQUEUERS at a time;
timed from arq's own result (enqueue_time -> finish_time).

The ratio is Framewise's time per task over bare arq's. A paced run then pushes 50 tasks/s for
30 s into 2 workers of each. Both sides share the machine with the stores, the stub and this
driver: on a small box the figures are CPU-bound, and say so.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from arq.connections import ArqRedis
from arq.constants import result_key_prefix

from bench._common import (
    bench_arguments,
    bench_stores,
    free_port,
    machine_cpu_s,
    own_cpu_s,
    percentile,
    report,
    store_marker,
    wait_for_quiet,
)
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.domain.ids import TaskId
from framewise.domain.provenance import config_hash
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.media.fingerprint import fingerprint_file
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool

TASKS = int(os.environ.get("BENCH_TASKS", "5000"))
WORKER_COUNTS = [int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4").split(",")]
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))  # arq max_jobs per worker process, both sides
ENQUEUERS = int(os.environ.get("BENCH_ENQUEUERS", "8"))  # enqueues in flight in the driver
ITEMS = int(os.environ.get("BENCH_ITEMS", "5"))  # items (artifacts) per inference
RATE = float(os.environ.get("BENCH_RATE", "50"))  # paced run: tasks per second
PACED_S = float(os.environ.get("BENCH_PACED_S", "30"))
PACED_WORKERS = 2
POLL_DELAY_EXPERIMENT = float(os.environ.get("BENCH_POLL_DELAY_EXPERIMENT", "0.05"))  # 0: skip it
ARQ_POLL_DELAY = 0.5  # arq's default
TIMEOUT_S = 600.0
QUIET_WAIT_S = float(os.environ.get("BENCH_QUIET_WAIT_S", "60"))  # before each run, for other processes to calm down
TASK_TYPES = ["object_detection", "face_detection", "transcription", "ocr", "place_detection"]  # all gpu_jobs
QUEUE = "gpu_jobs"
PER_VIDEO = len(TASK_TYPES)

SEED_TASKS = """
INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, transient_failures, config, config_hash,
                   progress, correlation_id, created_at)
SELECT gen_random_uuid(), v.id, t.task_type, 'PENDING', 'gpu_jobs', 0, 0, '{}'::jsonb, $1, 0,
       md5(random()::text), now()
FROM (SELECT id, path FROM videos ORDER BY path LIMIT $2) AS v CROSS JOIN unnest($3::text[]) AS t(task_type)
ORDER BY v.path, t.task_type
"""

# Only there to patch arq's poll delay in one labelled experiment; the shipped worker runs unchanged.
PATCHED_WORKER = (
    "import functools, sys, arq, framewise_worker.main as m; "
    "m.Worker = functools.partial(arq.Worker, poll_delay=float(sys.argv[1])); m.main()"
)


# -- processes ---------------------------------------------------------------------------------------


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_s(self) -> float:
        """User + system CPU seconds the process has used so far (Linux /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def processes(commands: list[list[str]], env: dict[str, str], logs: Path, ready: str) -> Iterator[list[Started]]:
    """Start every command, wait until each log shows `ready`, yield them, stop them all."""
    started: list[Started] = []
    try:
        for i, command in enumerate(commands):
            log = logs / f"{logs.name}-{i}.log"
            with log.open("wb") as handle:
                started.append(
                    Started(subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT), log)
                )
        deadline = time.monotonic() + 120
        for one in started:
            while ready not in one.log.read_text(errors="replace"):
                if one.process.poll() is not None or time.monotonic() > deadline:
                    tail = one.log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{one.process.args} did not start:\n{tail}")
                time.sleep(0.1)
        yield started
    finally:
        for one in started:
            if one.process.poll() is None:
                one.process.send_signal(signal.SIGTERM)
        for one in started:
            try:
                one.process.wait(30)
            except subprocess.TimeoutExpired:
                one.process.kill()
                one.process.wait()


@contextmanager
def ml_stub(items: int, logs: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.ml_stub", "--port", str(port), "--items", str(items)]
    log = logs / "ml-stub.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the ML stub did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def worker_problems(logs: list[Path]) -> dict[str, int]:
    """Warning and error events in the Framewise workers' JSON logs, counted by event."""
    counts: dict[str, int] = {}
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                if "Traceback" in line:
                    counts["traceback"] = counts.get("traceback", 0) + 1
                continue
            if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
                key = f"{entry.get('level')}: {str(entry.get('event'))[:80]}"
                counts[key] = counts.get(key, 0) + 1
    return counts


# -- seeding -----------------------------------------------------------------------------------------


VIDEO_COLUMNS = "id root path size mtime content_hash status duration_ms fps width height has_audio discovered_at"


def make_media(media: Path, count: int) -> list[tuple[object, ...]]:
    """`count` small distinct files under `media`, as ready video rows with their real fingerprint."""
    now = datetime.now(UTC)
    records: list[tuple[object, ...]] = []
    for i in range(count):
        path = media / f"clip-{i:05d}.mp4"
        path.write_bytes(i.to_bytes(4, "little") * 256)
        head = (uuid.uuid4(), str(media), path.name, 1024, path.stat().st_mtime, fingerprint_file(path), "ready")
        records.append((*head, 60_000, 25.0, 640, 360, True, now))
    return records


async def seed_videos(database_url: str, records: list[tuple[object, ...]]) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("TRUNCATE videos, tasks, artifacts CASCADE")
        await connection.copy_records_to_table(
            "videos",
            records=records,
            columns=VIDEO_COLUMNS.split(),
        )
    finally:
        await connection.close()


async def reset(database_url: str, valkey: ArqRedis, count: int) -> list[TaskId]:
    """A clean slate: `count` new PENDING tasks, no artifacts, an empty Valkey."""
    await valkey.flushdb()
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("TRUNCATE tasks, artifacts CASCADE")
        await connection.execute(SEED_TASKS, config_hash({}), count // PER_VIDEO, TASK_TYPES)
        await connection.execute("VACUUM ANALYZE tasks")
        rows = await connection.fetch("SELECT id FROM tasks ORDER BY created_at, video_id, task_type")
    finally:
        await connection.close()
    return [TaskId(r["id"]) for r in rows]


# -- driving -----------------------------------------------------------------------------------------


async def push_all(items: list[object], push: Callable[[object], Awaitable[object]], rate: float | None) -> float:
    """Push every item, ENQUEUERS at a time (a burst) or one every 1/rate s (paced); seconds it took."""
    started = time.perf_counter()
    if rate is None:
        pending = iter(items)

        async def lane() -> None:
            for item in pending:
                await push(item)

        await asyncio.gather(*(lane() for _ in range(ENQUEUERS)))
    else:
        in_flight = set()
        for i, item in enumerate(items):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            task = asyncio.ensure_future(push(item))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await asyncio.gather(*in_flight)
    return time.perf_counter() - started


async def wait_for(done: Callable[[], Awaitable[int]], count: int) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while (finished := await done()) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {finished} of {count} finished in {TIMEOUT_S} s")
        await asyncio.sleep(0.1)


def summary(latencies_ms: list[float], span_s: float, count: int, enqueue_s: float) -> dict[str, object]:
    return {
        "tasks": count,
        "tasks/s": round(count / span_s, 1),
        "ms/task": round(span_s * 1000 / count, 3),
        "p50 ms": round(percentile(latencies_ms, 50), 1),
        "p99 ms": round(percentile(latencies_ms, 99), 1),
        "max ms": round(max(latencies_ms), 1),
        "enqueue s": round(enqueue_s, 2),
    }


async def drive_framewise(database_url: str, valkey_url: str, task_ids: list[TaskId], rate: float | None) -> dict:
    engine = create_engine(database_url, pool_size=ENQUEUERS + 2)
    pool = await open_pool(valkey_url)
    connection = await asyncpg.connect(database_url)
    clock, queue, sessions = SystemClock(), ArqJobQueue(pool), session_factory(engine)

    async def enqueue(task_id: object) -> None:
        await TaskEnqueuer(SqlUnitOfWork(sessions), queue, clock).execute(TaskId(task_id))  # type: ignore[arg-type]

    async def finished() -> int:
        return int(await connection.fetchval("SELECT count(*) FROM tasks WHERE status NOT IN ('PENDING', 'RUNNING')"))

    try:
        enqueue_s = await push_all(list(task_ids), enqueue, rate)
        await wait_for(finished, len(task_ids))
        statuses = dict(await connection.fetch("SELECT status, count(*) FROM tasks GROUP BY status"))
        latencies = [
            r[0]
            for r in await connection.fetch(
                "SELECT extract(epoch FROM completed_at - enqueued_at)::float8 * 1000 FROM tasks "
                "WHERE status = 'COMPLETED'"
            )
        ]
        span = await connection.fetchval(
            "SELECT extract(epoch FROM max(completed_at) - min(enqueued_at))::float8 FROM tasks"
        )
        stored = await connection.fetchval("SELECT count(*) FROM artifacts")
        multi = await connection.fetchval("SELECT count(*) FROM tasks WHERE attempt <> 1")
    finally:
        await connection.close()
        await pool.aclose()
        await engine.dispose()
    if statuses.get("COMPLETED") != len(task_ids):
        print(f"  not every task COMPLETED: {statuses}")
    return {
        **summary(latencies, span, len(task_ids), enqueue_s),
        "_statuses": statuses,
        "_artifacts": stored,
        "_attempt_not_1": multi,
    }


async def drive_bare(valkey_url: str, count: int, rate: float | None) -> dict:
    pool = await open_pool(valkey_url)
    await pool.flushdb()

    async def enqueue(_: object) -> None:
        task_id = uuid.uuid4()
        job = await pool.enqueue_job(
            "run_task", str(task_id), 1, uuid.uuid4().hex, _job_id=f"task:{task_id}:1", _queue_name=QUEUE
        )
        assert job is not None

    async def finished() -> int:
        return len(await pool.keys(result_key_prefix + "*"))

    try:
        enqueue_s = await push_all(list(range(count)), enqueue, rate)
        await wait_for(finished, count)
        results = await pool.all_job_results()
    finally:
        await pool.aclose()
    ok = [r for r in results if r.success]
    latencies = [(r.finish_time - r.enqueue_time).total_seconds() * 1000 for r in ok]
    span = (max(r.finish_time for r in ok) - min(r.enqueue_time for r in ok)).total_seconds()
    return {**summary(latencies, span, count, enqueue_s), "_failed": len(results) - len(ok)}


# -- runs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    workers: int
    count: int
    rate: float | None  # None: a burst
    poll_delay: float = ARQ_POLL_DELAY  # arq's default, which the Framewise worker keeps

    @property
    def name(self) -> str:
        return f"{self.workers}w-{'paced' if self.rate else 'burst'}-poll{self.poll_delay:g}"


def metered(workers: list[Started], marker: str | None, count: int, drive: Callable[[], Awaitable[dict]]) -> dict:
    """Run `drive` and add the CPU it cost: the workers', the machine's, and what other processes took."""
    wait_for_quiet(marker, QUIET_WAIT_S)
    worker, machine, own = sum(w.cpu_s() for w in workers), machine_cpu_s(), own_cpu_s(marker)
    started = time.perf_counter()
    measured = asyncio.run(drive())
    elapsed = time.perf_counter() - started
    worker, machine = sum(w.cpu_s() for w in workers) - worker, machine_cpu_s() - machine
    own = own_cpu_s(marker) - own
    measured["worker cpu ms/task"] = round(worker * 1000 / count, 2)
    measured["machine cpu ms/task"] = round(machine * 1000 / count, 2)
    measured["other procs cpu %"] = round(max(0.0, machine - own) * 100 / elapsed, 1)
    return measured


def framewise_run(stores: tuple[str, str], env: dict[str, str], logs: Path, case: Case) -> dict:
    database_url, valkey_url = stores

    async def prepare() -> list[TaskId]:
        pool = await open_pool(valkey_url)
        try:
            return await reset(database_url, pool, case.count)
        finally:
            await pool.aclose()

    task_ids = asyncio.run(prepare())
    if case.poll_delay == ARQ_POLL_DELAY:
        command = [sys.executable, "-m", "framewise_worker.main"]  # the shipped worker, untouched
    else:
        command = [sys.executable, "-c", PATCHED_WORKER, str(case.poll_delay)]
    folder = logs / f"framewise-{case.name}"
    folder.mkdir()
    calls = httpx.get(f"{env['ML_SERVICE_URL']}/bench/stats").json()
    with processes([command] * case.workers, env, folder, ready='"service_started"') as workers:
        measured = metered(
            workers,
            store_marker(database_url),
            case.count,
            lambda: drive_framewise(database_url, valkey_url, task_ids, case.rate),
        )
    after = httpx.get(f"{env['ML_SERVICE_URL']}/bench/stats").json()
    measured["_ML calls per task"] = {k: round((after[k] - calls[k]) / case.count, 2) for k in after}
    measured["_warnings"] = worker_problems([w.log for w in workers])
    return measured


def bare_run(stores: tuple[str, str], logs: Path, case: Case) -> dict:
    database_url, valkey_url = stores
    command = [
        sys.executable, "-m", "bench.arq_noop_worker", "--queue", QUEUE,
        "--max-jobs", str(CONCURRENCY), "--poll-delay", str(case.poll_delay),
    ]  # fmt: skip
    folder = logs / f"arq-{case.name}"
    folder.mkdir()
    env = {**os.environ, "VALKEY_URL": valkey_url}
    with processes([command] * case.workers, env, folder, ready="noop_worker_started") as workers:
        return metered(
            workers, store_marker(database_url), case.count, lambda: drive_bare(valkey_url, case.count, case.rate)
        )


def public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def cases() -> list[Case]:
    paced = int(RATE * PACED_S)
    found = [Case(f"burst, {n} worker(s)", n, TASKS, None) for n in WORKER_COUNTS]
    found.append(Case(f"paced {RATE:g}/s, {PACED_WORKERS} workers", PACED_WORKERS, paced, RATE))
    if POLL_DELAY_EXPERIMENT:
        tag = f"poll_delay {POLL_DELAY_EXPERIMENT:g} s (experiment)"
        found.append(Case(f"burst, 1 worker(s), {tag}", 1, TASKS, None, POLL_DELAY_EXPERIMENT))
        found.append(
            Case(f"paced {RATE:g}/s, {PACED_WORKERS} workers, {tag}", PACED_WORKERS, paced, RATE, POLL_DELAY_EXPERIMENT)
        )
    return found


def main() -> None:
    bench_arguments(__doc__, "bench_orchestration")
    configure_logging("bench", "console", "WARNING")  # the driver stands in for the API; its job lines are noise here
    load = os.getloadavg()[0]
    rows: list[dict[str, object]] = []
    checks: dict[str, object] = {}
    with bench_stores() as stores, tempfile.TemporaryDirectory(prefix="framewise-orch-") as tmp:
        database_url, valkey_url = stores
        media = Path(tmp).resolve() / "media"
        logs = Path(os.environ.get("BENCH_LOGS") or Path(tmp) / "logs")  # BENCH_LOGS keeps the processes' logs
        media.mkdir()
        logs.mkdir(parents=True, exist_ok=True)
        asyncio.run(seed_videos(database_url, make_media(media, TASKS // PER_VIDEO)))
        with ml_stub(ITEMS, logs) as ml_url:
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "VALKEY_URL": valkey_url,
                "ML_SERVICE_URL": ml_url,
                "MEDIA_ROOTS": str(media),
                "GPU_MODE": "gpu",
                "GPU_CONCURRENCY": str(CONCURRENCY),
                "WORKER_METRICS_PORT": "0",
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
                # The full reconciler would enqueue seeded PENDING tasks itself if it fired mid-run.
                "RECONCILE_EVERY_MIN": "60",
            }
            for case in cases():
                print(f"{case.label}: framewise ...", flush=True)
                fw = framewise_run(stores, env, logs, case)
                print(f"  {public(fw)}", flush=True)
                print(f"{case.label}: bare arq ...", flush=True)
                arq = bare_run(stores, logs, case)
                print(f"  {public(arq)}", flush=True)
                checks[case.label] = {k.strip("_"): fw[k] for k in fw if k.startswith("_")} | {
                    "arq failed": arq["_failed"]
                }
                ratio = round(float(fw["ms/task"]) / float(arq["ms/task"]), 2) if case.rate is None else "-"
                rows.append({"run": case.label, "system": "framewise", **public(fw), "ratio": ratio})
                rows.append({"run": case.label, "system": "bare arq", **public(arq), "ratio": "-"})
    report(
        "orchestration",
        rows,
        {
            "framewise": f"{TASKS:,} tasks ({TASKS // PER_VIDEO:,} videos x {PER_VIDEO} GPU analyses on gpu_jobs), "
            f"ML stub answering at once with {ITEMS} items per task; workers GPU_MODE=gpu, "
            f"GPU_CONCURRENCY={CONCURRENCY}, JSON logs at INFO, arq poll delay {ARQ_POLL_DELAY:g} s (arq's default)",
            "bare arq": f"no-op job, same serializer, queue name, max_jobs={CONCURRENCY} and poll delay",
            "enqueue": f"burst: {ENQUEUERS} enqueues in flight (Framewise: TaskEnqueuer = PostgreSQL transaction, "
            f"then push); paced: one every {1000 / RATE:g} ms",
            "timing": "latency: enqueued_at -> completed_at (task row) / enqueue_time -> finish_time (arq result); "
            "tasks/s = tasks / (last finish - first enqueue); ratio = Framewise ms/task over bare arq ms/task; "
            "worker cpu = user + system CPU of the worker processes during the run, per task; machine cpu = every "
            "process on the machine (stores, stub, driver included), per task; other procs cpu % = CPU taken "
            "meanwhile by processes that are not this bench's (100 % = one core): a figure beside a high one is "
            f"disturbed; each run first waits up to {QUIET_WAIT_S:g} s for the others to go quiet",
            "experiment": "the poll_delay rows patch arq.Worker's poll_delay in the worker; not the shipped setting",
            "checks": checks,
            "cpus": os.cpu_count(),
            "load average (1 min) before / after": f"{load:.2f} / {os.getloadavg()[0]:.2f}",
        },
    )


if __name__ == "__main__":
    main()
