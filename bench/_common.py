"""Shared plumbing for the benchmarks: stores, a real API process, percentiles, the report."""

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

import httpx

from framewise_api.migrate import upgrade
from framewise_dev.stores import start_stores

RESULTS = Path(__file__).parent / "results"


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
def api_process(database_url: str, valkey_url: str, media_root: Path) -> Iterator[str]:
    """The real API (uvicorn, one process) on a free port; yields its base URL."""
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


def report(name: str, rows: list[dict[str, object]], meta: dict[str, object]) -> None:
    """Print a Markdown table of `rows` and keep them, with `meta`, in bench/results/<name>.json."""
    columns = list(rows[0])
    print(f"\n## {name}\n")
    for key, value in meta.items():
        print(f"- {key}: {value}")
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2, default=str))
