"""Shared plumbing for the benchmarks: stores, a real API process, percentiles, the report."""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from framewise_api.migrate import upgrade
from framewise_dev.stores import start_stores

RESULTS = Path(__file__).parent / "results"


def bench_arguments(
    module_doc: str | None, prog: str, argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """The benchmark's command line: `--help` prints what it measures and exits before anything starts."""
    parser = parser or argparse.ArgumentParser()
    parser.prog = prog
    parser.description = (module_doc or "").split("\n\n")[0]
    parser.epilog = "Prints a table and keeps JSON in bench/results/ (make bench runs them all)."
    return parser.parse_args(argv)


@contextmanager
def bench_stores() -> Iterator[tuple[str, str]]:
    """(database_url, valkey_url): the servers named in the environment, or fresh embedded ones."""
    database_url, valkey_url = os.environ.get("BENCH_DATABASE_URL"), os.environ.get("BENCH_VALKEY_URL")
    if database_url and valkey_url:
        upgrade(database_url)
        yield database_url, valkey_url
        return
    with tempfile.TemporaryDirectory(prefix="framewise-bench-") as tmp:
        stores = start_stores(Path(tmp), database="framewise_bench")
        try:
            upgrade(stores.database_url)
            yield stores.database_url, stores.valkey_url
        finally:
            stores.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


BENCH_TOKEN = "bench-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {BENCH_TOKEN}"}


@contextmanager
def api_process(
    database_url: str, valkey_url: str, media_root: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """The real API (uvicorn, one process) on a free port, with `extra_env` set too; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VALKEY_URL": valkey_url,
        "MEDIA_ROOTS": str(media_root),
        "API_TOKENS": BENCH_TOKEN,
        "API_PORT": str(port),
        "DISCOVER_ON_START": "false",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    process = subprocess.Popen([sys.executable, "-m", "framewise_api.main"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the API did not become ready")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def machine_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy (everything but idle and iowait), Linux only."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def bench_processes(marker: str | None) -> dict[int, tuple[list[int], str]]:
    """This process, the processes whose command line holds `marker` (the embedded PostgreSQL's
    folder) and every descendant of them: pid -> (utime, stime, cutime, cstime in clock ticks, command
    line). Linux /proc; empty elsewhere."""
    table: dict[int, tuple[int, list[int], str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        table[int(entry.name)] = (int(fields[1]), [int(f) for f in fields[11:15]], command)
    mine = {os.getpid()} | {pid for pid, (_, _, cmd) in table.items() if marker and marker in cmd}
    grew = True
    while grew:
        more = {pid for pid, (parent, _, _) in table.items() if parent in mine} - mine
        mine |= more
        grew = bool(more)
    return {pid: table[pid][1:] for pid in mine if pid in table}


def own_cpu_s(marker: str | None) -> float:
    """CPU seconds of this bench: this process, the processes whose command line holds `marker` (the
    embedded PostgreSQL's folder), every descendant of them, and the children they reaped. Set
    against machine_cpu_s, it shows how much CPU other processes on the machine took meanwhile."""
    return sum(sum(times) for times, _ in bench_processes(marker).values()) / os.sysconf("SC_CLK_TCK")


def store_marker(database_url: str) -> str | None:
    """The embedded PostgreSQL's socket folder (in its URL's `host=`), which its processes' command lines hold."""
    query = parse_qs(urlsplit(database_url).query)
    return query["host"][0] if "host" in query else None


def wait_for_quiet(marker: str | None, max_wait_s: float, busy_below: float = 0.15) -> float:
    """On a shared machine: wait (at most `max_wait_s`) until other processes take less than
    `busy_below` of one core over a 2 s window; returns the share seen last."""
    deadline = time.monotonic() + max_wait_s
    while True:
        machine, own = machine_cpu_s(), own_cpu_s(marker)
        time.sleep(2)
        other = max(0.0, (machine_cpu_s() - machine) - (own_cpu_s(marker) - own)) / 2
        if other < busy_below or time.monotonic() > deadline:
            return other


def report(name: str, rows: list[dict[str, object]], meta: dict[str, object]) -> None:
    """Print a Markdown table of `rows` and keep them, with `meta`, in bench/results/<name>.json."""
    columns = list(rows[0])
    print(f"\n## {name}\n")
    for key, value in meta.items():
        print(f"- {key}: {value}")
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2, default=str))
