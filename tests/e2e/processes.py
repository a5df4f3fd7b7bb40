"""Start the real services as subprocesses, JSON logs to files, on free loopback ports."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TOKEN = "e2e-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[dict[str, object]]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Stack:
    api_url: str
    ml_url: str
    services: dict[str, Service] = field(default_factory=dict)

    def api(self) -> httpx.Client:
        """A client of the API that sends the stack's bearer token."""
        return httpx.Client(base_url=self.api_url, headers=AUTH, timeout=30)


def wait_until(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up in {timeout} s")


@contextmanager
def running_stack(
    tmp: Path, *, database_url: str, valkey_url: str, media_root: Path, model_cache: Path
) -> Iterator[Stack]:
    api_port, ml_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VALKEY_URL": valkey_url,
        "MEDIA_ROOTS": str(media_root),
        "API_TOKENS": TOKEN,
        "ML_SERVICE_URL": f"http://127.0.0.1:{ml_port}",
        "API_PORT": str(api_port),
        "ML_PORT": str(ml_port),
        "LOG_FORMAT": "json",
        "DISCOVER_ON_START": "false",
        "PYTHONUNBUFFERED": "1",
        "UNAVAILABLE_RECHECK_S": "2",
        "MODEL_CACHE_DIR": str(model_cache),
    }
    commands = {
        "ml": ([sys.executable, "-m", "framewise_ml.main"], {}),
        "worker-cpu": (
            [sys.executable, "-m", "framewise_worker.main"],
            {"GPU_MODE": "cpu", "WORKER_METRICS_PORT": "0"},
        ),
        "worker-gpu": (
            [sys.executable, "-m", "framewise_worker.main"],
            {"GPU_MODE": "gpu", "WORKER_METRICS_PORT": "0"},
        ),
        "api": ([sys.executable, "-m", "framewise_api.main"], {}),
    }
    stack = Stack(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ml_port}")
    try:
        for name, (command, extra) in commands.items():
            log = tmp / f"{name}.log"
            with log.open("wb") as handle:
                process = subprocess.Popen(command, env={**env, **extra}, stdout=handle, stderr=subprocess.STDOUT)
            stack.services[name] = Service(name, process, log)
        wait_until(f"{stack.ml_url}/livez", timeout=240)  # answers once every model is loaded and warm
        wait_until(f"{stack.api_url}/healthz")
        yield stack
    finally:
        for service in stack.services.values():
            service.stop()
