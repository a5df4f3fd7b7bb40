"""Scale on one machine: 1, 2 and 4 worker processes, and 1 and 2 API processes behind nginx.

Workers: TASKS PENDING tasks (videos x 5 GPU-class analyses on `gpu_jobs`, seeded in SQL as
bench_orchestration does) are enqueued through nginx and the real API (`POST /api/v1/tasks/{id}/enqueue`,
ENQUEUERS in flight, the API's enqueue rate limit off), and N real worker processes
(`python -m framewise_worker.main`, GPU_MODE=gpu) run them against `bench/ml_stub.py`, which answers
at once; two API processes sit behind nginx. Throughput is tasks / (last completed_at - first
enqueued_at). Meanwhile `framewise_queue_ready_jobs` is read from an API process's /metrics every
SAMPLE_S (what Prometheus would scrape), and the 1-worker burst's depths are replayed through the
chart's scaling rule (deploy/scaling.py: KEDA's prometheus scaler -> HPA, the numbers of values.yaml).

API: CLIENTS concurrent clients for LOAD_S seconds each on `GET /api/v1/tasks?limit=50` and
`GET /api/v1/search?q=...` through nginx (least_conn over 1, then 2 API processes): requests/s,
p50/p99 as the clients saw them.

nginx is Debian's (`apt-get install -y nginx-light`), run unprivileged on loopback from a prefix of
its own with the shipped nginx/framewise.conf.template, its upstream set to the API processes. Every
process shares the machine with the stores, the stub and this driver: the CPU each took is reported.
"""

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from string import Template
from typing import Any

import asyncpg
import httpx

from bench._common import (
    AUTH,
    api_process,
    bench_arguments,
    bench_processes,
    bench_stores,
    free_port,
    machine_cpu_s,
    percentile,
    report,
    store_marker,
    wait_for_quiet,
)
from bench.bench_orchestration import (
    CONCURRENCY,
    ITEMS,
    PER_VIDEO,
    ml_stub,
    processes,
    push_all,
    reset,
    seed_videos,
    wait_for,
    worker_problems,
)
from bench.bench_orchestration import make_media as make_clips
from deploy.scaling import chart_rule, replay
from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.queue.arq_job_queue import open_pool

TASKS = int(os.environ.get("BENCH_TASKS", "1500"))
WORKER_COUNTS = [int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4").split(",")]
API_COUNTS = [1, 2]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
LOAD_S = float(os.environ.get("BENCH_LOAD_S", "10"))
SAMPLE_S = 0.5
QUIET_WAIT_S = float(os.environ.get("BENCH_QUIET_WAIT_S", "10"))
SEARCH = "segment"  # the stub's transcript text, indexed by the workers
ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
READY = re.compile(r'^framewise_queue_ready_jobs\{queue="(\w+)"\} (\S+)$', re.MULTILINE)
ROLES = ("workers", "api", "nginx", "stores", "stub", "driver")


def nginx_binary() -> str:
    """Debian's nginx, or a clear exit: a fresh machine lacks it."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        sys.exit("bench_scale needs nginx in front of the API: apt-get install -y nginx-light (or nginx)")
    return found


# -- CPU by role ---------------------------------------------------------------------------------------


def cpu_by_role(marker: str | None) -> dict[str, float]:
    """CPU seconds so far of this bench's processes (bench_processes) by role, named from each one's
    command line; the driver is this process alone (the children it reaped are counted in their roles)."""
    ticks = dict.fromkeys(ROLES, 0)
    for pid, (times, command) in bench_processes(marker).items():
        driver = pid == os.getpid()
        ticks[_role(driver, command)] += sum(times[:2]) if driver else sum(times)
    return {role: t / os.sysconf("SC_CLK_TCK") for role, t in ticks.items()}


def _role(driver: bool, command: str) -> str:
    if driver:
        return "driver"
    for needle, role in (("framewise_worker", "workers"), ("framewise_api", "api"), ("nginx", "nginx")):
        if needle in command:
            return role
    return "stub" if "ml_stub" in command else "stores"


class Meter:
    """The CPU each role and the whole machine took between start and stop, as % of one core."""

    def __init__(self, marker: str | None) -> None:
        self.marker = marker

    def __enter__(self) -> "Meter":
        self.roles, self.machine, self.started = cpu_by_role(self.marker), machine_cpu_s(), time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        elapsed = time.perf_counter() - self.started
        roles = cpu_by_role(self.marker)
        used = self.used = {r: max(0.0, roles[r] - self.roles[r]) for r in ROLES}
        machine = machine_cpu_s() - self.machine
        self.percent = {r: round(100 * used[r] / elapsed) for r in ROLES}
        self.percent["others"] = round(100 * max(0.0, machine - sum(used.values())) / elapsed)
        self.machine_percent = round(100 * machine / elapsed)

    def per(self, role: str, count: int) -> float:
        """CPU milliseconds of `role` per unit of work."""
        return round(self.used[role] * 1000 / count, 2)

    def columns(self) -> dict[str, object]:
        shares = " / ".join(f"{self.percent[r]}" for r in (*ROLES, "others"))
        return {"cpu % " + " / ".join((*ROLES, "others")): shares, "machine busy %": self.machine_percent}


# -- nginx ----------------------------------------------------------------------------------------------


@contextmanager
def nginx_in_front(nginx: str, upstreams: list[str]) -> Iterator[str]:
    """nginx on a free loopback port with the shipped site configuration, least_conn over `upstreams`
    (host:port); run as nobody when the bench runs as root. Yields its base URL."""
    prefix = Path(tempfile.mkdtemp(prefix="framewise-nginx-"))
    port = free_port()
    site = Template((ROOT / "nginx" / "framewise.conf.template").read_text()).safe_substitute(
        API_UPSTREAM=";\n    server ".join(upstreams), UPLOAD_MAX_BODY="1048576"
    )
    for old, new in (
        ("upstream framewise_api {", "upstream framewise_api {\n    least_conn;"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
    ):
        if old not in site:
            raise RuntimeError(f"nginx/framewise.conf.template no longer holds {old!r}")
        site = site.replace(old, new)
    (prefix / "framewise.conf").write_text(site)
    temps = "".join(
        f"  {kind}_temp_path {prefix}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\ndaemon off;\nworker_processes 1;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log off;\n{temps}  include {prefix}/framewise.conf;\n}}\n"
    )
    privileged = os.geteuid() == 0
    if privileged:
        for path in (prefix, *prefix.iterdir()):
            os.chown(path, NOBODY, NOBODY)
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    drop = {"user": NOBODY, "group": NOBODY, "extra_groups": []} if privileged else {}
    process = subprocess.Popen(command, **drop)  # type: ignore[call-overload]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/nginx-health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = prefix / "error.log"
                raise RuntimeError(f"nginx did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)
        shutil.rmtree(prefix, ignore_errors=True)


# -- the worker bursts ---------------------------------------------------------------------------------


async def sample_depths(api_url: str, started: float, into: list[dict[str, float]], stop: asyncio.Event) -> None:
    """framewise_queue_ready_jobs of every queue from the API's /metrics every SAMPLE_S, until `stop`."""
    async with httpx.AsyncClient(timeout=5) as client:
        while not stop.is_set():
            tick = time.perf_counter()
            try:
                text = (await client.get(f"{api_url}/metrics")).text
                into.append({"t": round(tick - started, 2)} | {q: float(v) for q, v in READY.findall(text)})
            except httpx.HTTPError:
                pass  # a missed sample; the next one comes
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, SAMPLE_S - (time.perf_counter() - tick)))
            except TimeoutError:
                pass


async def burst(database_url: str, nginx_url: str, api_url: str, task_ids: list[Any]) -> dict[str, Any]:
    """Enqueue every task through nginx, wait until none is PENDING or RUNNING; depths sampled throughout."""
    connection = await asyncpg.connect(database_url)
    depths: list[dict[str, float]] = []
    latencies: list[float] = []
    refused: dict[int, int] = {}
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=nginx_url, headers=AUTH, timeout=30, limits=limits) as client:

        async def enqueue(task_id: object) -> None:
            sent = time.perf_counter()
            answer = await client.post(f"/api/v1/tasks/{task_id}/enqueue")
            latencies.append((time.perf_counter() - sent) * 1000)
            if answer.status_code != 202:
                refused[answer.status_code] = refused.get(answer.status_code, 0) + 1

        async def finished() -> int:
            return int(
                await connection.fetchval("SELECT count(*) FROM tasks WHERE status NOT IN ('PENDING', 'RUNNING')")
            )

        started = time.perf_counter()
        sampler = asyncio.ensure_future(sample_depths(api_url, started, depths, stop))
        try:
            enqueue_s = await push_all(task_ids, enqueue, None)
            if refused:
                raise RuntimeError(f"the API refused enqueues: {refused}")
            await wait_for(finished, len(task_ids))
            await asyncio.sleep(SAMPLE_S * 2)  # two samples of the drained queue close the record
        finally:
            stop.set()
            await sampler
        row = await connection.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed, "
            "extract(epoch FROM max(completed_at) - min(enqueued_at))::float8 AS span, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - enqueued_at)) AS p50, "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - enqueued_at)) AS p99 "
            "FROM tasks"
        )
    await connection.close()
    return {
        "tasks": len(task_ids),
        "completed": row["completed"],
        "tasks/s": round(len(task_ids) / row["span"], 1),
        "enqueue→done p50 s": round(row["p50"], 2),
        "enqueue→done p99 s": round(row["p99"], 2),
        "enqueue req/s": round(len(task_ids) / enqueue_s, 1),
        "enqueue p99 ms": round(percentile(latencies, 99), 1),
        "_depths": depths,
    }


def worker_run(
    stores: tuple[str, str], env: dict[str, str], logs: Path, nginx_url: str, api_url: str, workers: int
) -> dict[str, Any]:
    database_url, valkey_url = stores

    async def prepare() -> list[Any]:
        pool = await open_pool(valkey_url)
        try:
            return await reset(database_url, pool, TASKS)
        finally:
            await pool.aclose()

    task_ids = asyncio.run(prepare())
    folder = logs / f"workers-{workers}"
    folder.mkdir()
    command = [sys.executable, "-m", "framewise_worker.main"]
    with processes([command] * workers, env, folder, ready='"service_started"') as started:
        marker = store_marker(database_url)
        wait_for_quiet(marker, QUIET_WAIT_S)
        with Meter(marker) as meter:
            measured = asyncio.run(burst(database_url, nginx_url, api_url, task_ids))
    measured["_warnings"] = worker_problems([w.log for w in started])
    cpu = {"worker cpu ms/task": meter.per("workers", TASKS), "api cpu ms/enqueue": meter.per("api", TASKS)}
    return {"workers": workers, **measured, **cpu, **meter.columns()}


# -- the API under load --------------------------------------------------------------------------------


async def load(nginx_url: str, path: str, seconds: float) -> dict[str, Any]:
    """CLIENTS clients, each sending `path` again as soon as it has its answer, for `seconds`."""
    latencies: list[float] = []
    failed = sent = 0
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=nginx_url, headers=AUTH, timeout=30, limits=limits) as client:

        async def client_loop(until: float, record: bool) -> None:
            nonlocal failed, sent
            while time.perf_counter() < until:
                began = time.perf_counter()
                answer = await client.get(path)
                sent += 1
                if record:
                    latencies.append((time.perf_counter() - began) * 1000)
                    failed += answer.status_code != 200

        await asyncio.gather(*(client_loop(time.perf_counter() + 1, False) for _ in range(CLIENTS)))  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(started + seconds, True) for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "req/s": round(len(latencies) / elapsed, 1),
        "p50 ms": round(percentile(latencies, 50), 1),
        "p99 ms": round(percentile(latencies, 99), 1),
        "non-200": failed,
        "_sent": sent,  # warm-up included, for the CPU per request
    }


# -- the replay -----------------------------------------------------------------------------------------


def replay_rows(depths: list[dict[str, float]]) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The chart's rule over the recorded depths of each pool's queue: one row every 5 s while recorded,
    then one per change, until every pool is at rest again."""
    recorded_s = depths[-1]["t"]
    until = recorded_s + 360  # past the HPA's 300 s window, the queue empty (as it was at the end)
    pools = {
        "gpu": chart_rule("gpu"),
        "cpu": chart_rule("cpu"),
        "gpu, minReplicas 0": chart_rule("gpu", min_replicas=0),
    }
    queue = {"gpu": "gpu_jobs", "cpu": "cpu_jobs", "gpu, minReplicas 0": "gpu_jobs"}
    runs = {
        name: replay([(d["t"], d.get(queue[name], 0.0)) for d in depths], rule, until_s=until)
        for name, rule in pools.items()
    }
    rows: list[dict[str, object]] = []
    previous: tuple[int, ...] = ()
    for i, step in enumerate(runs["gpu"]):
        counts = tuple(runs[name][i].replicas for name in pools)
        cpu = runs["cpu"][i]
        recorded = step.t <= recorded_s and (step.t % 5 == 0 or step.t == int(recorded_s))
        if counts != previous or recorded or i == len(runs["gpu"]) - 1:
            rows.append(
                {
                    "t s": int(step.t),
                    "gpu_jobs ready": int(step.depth),
                    "seen by KEDA": int(step.seen),
                    "gpu replicas": counts[0],
                    "cpu_jobs ready": int(cpu.depth),
                    "cpu replicas": counts[1],
                    "gpu replicas (minReplicas 0)": counts[2],
                }
            )
        previous = counts
    meta: dict[str, object] = {
        "rules": {name: vars(rule) for name, rule in pools.items()},
        "recorded": f"{len(depths)} samples every {SAMPLE_S:g} s over {recorded_s:g} s; after that the queues "
        "stay empty (as recorded last)",
    }
    return rows, meta


# -- main -----------------------------------------------------------------------------------------------


def public(row: dict[str, Any]) -> dict[str, object]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def main() -> None:
    bench_arguments(__doc__, "bench_scale")
    nginx = nginx_binary()
    configure_logging("bench", "console", "WARNING")
    load_before = os.getloadavg()[0]
    worker_rows: list[dict[str, Any]] = []
    api_rows: list[dict[str, object]] = []
    with bench_stores() as stores, tempfile.TemporaryDirectory(prefix="framewise-scale-") as tmp, ExitStack() as stack:
        database_url, valkey_url = stores
        marker = store_marker(database_url)
        media = Path(tmp).resolve() / "media"
        logs = Path(os.environ.get("BENCH_LOGS") or Path(tmp) / "logs")
        media.mkdir()
        logs.mkdir(parents=True, exist_ok=True)
        asyncio.run(seed_videos(database_url, make_clips(media, TASKS // PER_VIDEO)))
        ml_url = stack.enter_context(ml_stub(ITEMS, logs))
        api_env = {"RATE_LIMIT_ENQUEUE": "0", "DISCOVERY_WATCH": "off", "ML_SERVICE_URL": ml_url}
        apis = [stack.enter_context(api_process(database_url, valkey_url, media, api_env)) for _ in API_COUNTS]
        upstreams = [url.removeprefix("http://") for url in apis]
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
            "RECONCILE_EVERY_MIN": "60",  # the reconciler would enqueue the seeded PENDING tasks itself
        }
        with nginx_in_front(nginx, upstreams) as nginx_url:
            for workers in WORKER_COUNTS:
                print(f"burst of {TASKS:,} tasks, {workers} worker(s) ...", flush=True)
                worker_rows.append(worker_run(stores, env, logs, nginx_url, apis[0], workers))
                print(f"  {public(worker_rows[-1])}", flush=True)
        # The API phase reads what the last burst left: TASKS tasks, their artifacts and moments.
        for count in API_COUNTS:
            with nginx_in_front(nginx, upstreams[:count]) as nginx_url:
                for path in ("/api/v1/tasks?limit=50", f"/api/v1/search?q={SEARCH}"):
                    print(f"{count} API process(es), {path} ...", flush=True)
                    wait_for_quiet(marker, QUIET_WAIT_S)
                    with Meter(marker) as meter:
                        measured = asyncio.run(load(nginx_url, path, LOAD_S))
                    cpu = {"api cpu ms/req": meter.per("api", measured["_sent"])}
                    api_rows.append({"API processes": count, "request": f"GET {path}", **measured, **cpu})
                    api_rows[-1].update(meter.columns())
                    print(f"  {public(api_rows[-1])}", flush=True)
    machine = {
        "cpus": os.cpu_count(),
        "load average (1 min) before / after": f"{load_before:.2f} / {os.getloadavg()[0]:.2f}",
        "cpu %": "per role, 100 = one core: workers / API processes / nginx / PostgreSQL+Valkey / ML stub / "
        "this driver (the clients) / others (processes not this bench's: the machine is shared)",
    }
    report(
        "scale_workers",
        [public(r) for r in worker_rows],
        {
            "run": f"{TASKS:,} tasks ({TASKS // PER_VIDEO:,} videos x {PER_VIDEO} GPU analyses on gpu_jobs) enqueued "
            f"through nginx -> 2 API processes (POST /api/v1/tasks/{{id}}/enqueue, 8 in flight), run by N workers "
            f"(GPU_MODE=gpu, GPU_CONCURRENCY={CONCURRENCY}) against the ML stub ({ITEMS} items per answer)",
            "tasks/s": "tasks / (last completed_at - first enqueued_at)",
            "checks": {r["workers"]: r["_warnings"] for r in worker_rows},
            **machine,
        },
    )
    report(
        "scale_api",
        [public(r) for r in api_rows],
        {"run": f"{CLIENTS} clients, each sending again on its answer, {LOAD_S:g} s after 1 s of warm-up, through "
         "nginx (least_conn, keepalive 16) to 1 or 2 API processes", **machine},
    )  # fmt: skip
    rows, meta = replay_rows(worker_rows[0]["_depths"])
    meta["burst"] = f"the {worker_rows[0]['workers']}-worker burst above"
    report("scale_replay", rows, meta)


if __name__ == "__main__":
    main()
