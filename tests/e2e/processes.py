"""Start the real services as subprocesses, JSON logs to files, on free loopback ports."""

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.waits import wait_until

TOKEN = "e2e-token-0123456789abcdef"
ML_TOKEN = "e2e-ml-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

ML_COMMAND = [sys.executable, "-m", "framewise_ml.main"]
WORKER_COMMAND = [sys.executable, "-m", "framewise_worker.main"]
API_COMMAND = [sys.executable, "-m", "framewise_api.main"]
DEFAULT_WORKERS = {"worker-cpu": "cpu", "worker-gpu": "gpu"}  # name -> GPU_MODE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def lines(self) -> list[dict[str, object]]:
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                out.append(parsed)
        return out

    def events(self, event: str, **match: object) -> list[dict[str, object]]:
        """The JSON log lines of `event` whose fields equal `match`."""
        return [
            line
            for line in self.lines()
            if line.get("event") == event and all(line.get(k) == v for k, v in match.items())
        ]

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def wait(self, timeout: float = 15.0) -> int:
        """Wait for the exit (SIGKILL after `timeout`); the exit status."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def stop(self) -> None:
        self.terminate()
        self.wait()


def start_service(tmp: Path, name: str, command: list[str], env: Mapping[str, str]) -> Service:
    """Start one service; its stdout and stderr go to `tmp/{name}.log` (appended: a restart keeps the past)."""
    log = tmp / f"{name}.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(command, env=dict(env), stdout=handle, stderr=subprocess.STDOUT)
    return Service(name, process, log)


@dataclass
class Stack:
    api_url: str
    ml_url: str
    services: dict[str, Service] = field(default_factory=dict)
    tmp: Path | None = None
    env: dict[str, str] = field(default_factory=dict)  # what every service of the stack was started with
    worker_specs: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # name -> (GPU_MODE, env)

    def api(self) -> httpx.Client:
        """A client of the API that sends the stack's bearer token."""
        return httpx.Client(base_url=self.api_url, headers=AUTH, timeout=30)

    def start_worker(self, name: str, gpu_mode: str, env: Mapping[str, str] | None = None) -> Service:
        """Start (or restart) one worker process of the stack under `name`."""
        assert self.tmp is not None
        self.worker_specs[name] = (gpu_mode, dict(env or {}))
        extra = {"GPU_MODE": gpu_mode, "WORKER_METRICS_PORT": "0", **(env or {})}
        service = start_service(self.tmp, name, WORKER_COMMAND, {**self.env, **extra})
        self.services[name] = service
        return service

    def restart_worker(self, name: str) -> Service:
        """Start the worker `name` again as it was first started (its log goes on in the same file)."""
        self.services[name].stop()
        gpu_mode, env = self.worker_specs[name]
        return self.start_worker(name, gpu_mode, env)

    def workers(self) -> list[Service]:
        return [s for name, s in self.services.items() if name.startswith("worker")]

    def stop_all(self) -> None:
        """SIGTERM to every process at once, then wait for each (SIGKILL past its time)."""
        for service in self.services.values():
            service.terminate()
        for service in self.services.values():
            service.wait()


def wait_answering(url: str, service: Service, timeout: float = 60.0) -> None:
    """Wait until `url` answers below 500; fail at once, with the end of its log, if `service` exits."""

    def answering() -> bool:
        if service.process.poll() is not None:
            tail = "\n".join(service.log.read_text(errors="replace").splitlines()[-20:])
            pytest.fail(
                f"{service.name} exited ({service.process.returncode}) before answering; {service.log}:\n{tail}"
            )
        return httpx.get(url, timeout=2).status_code < 500

    wait_until(answering, timeout=timeout, message=f"{url} up")


def base_env(
    *, database_url: str, valkey_url: str, media_root: Path, model_cache: Path, ml_url: str, api_port: int, ml_port: int
) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VALKEY_URL": valkey_url,
        "MEDIA_ROOTS": str(media_root),
        "API_TOKENS": TOKEN,
        "ML_TOKEN": ML_TOKEN,  # the ML service requires it, the workers send it
        "ML_SERVICE_URL": ml_url,
        "API_PORT": str(api_port),
        "ML_PORT": str(ml_port),
        "LOG_FORMAT": "json",
        "DISCOVER_ON_START": "false",
        "PYTHONUNBUFFERED": "1",
        "UNAVAILABLE_RECHECK_S": "2",
        "MODEL_CACHE_DIR": str(model_cache),
    }


@contextmanager
def running_ml(
    tmp: Path, *, valkey_url: str, media_root: Path, model_cache: Path, env: Mapping[str, str] | None = None
) -> Iterator[tuple[Service, str]]:
    """The ML service alone (models loaded and warm), for stacks that share it: (service, url).
    `env` is added to its environment."""
    port = free_port()
    common = base_env(
        database_url="unused",
        valkey_url=valkey_url,
        media_root=media_root,
        model_cache=model_cache,
        ml_url="unused",
        api_port=1,
        ml_port=port,
    )
    service = start_service(tmp, "ml", ML_COMMAND, {**common, **(env or {})})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_answering(f"{url}/livez", service, timeout=240)
        yield service, url
    finally:
        service.stop()


@contextmanager
def running_stack(
    tmp: Path,
    *,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    model_cache: Path,
    ml_url: str | None = None,
    workers: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    worker_env: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[Stack]:
    """The API, the workers (name -> GPU_MODE; one per pool by default) and, unless `ml_url` names a
    running one, the ML service. `env` is added to every service's environment, `worker_env[name]`
    to one worker's."""
    api_port, ml_port = free_port(), free_port()
    own_ml = ml_url is None
    ml_url = ml_url or f"http://127.0.0.1:{ml_port}"
    common = base_env(
        database_url=database_url,
        valkey_url=valkey_url,
        media_root=media_root,
        model_cache=model_cache,
        ml_url=ml_url,
        api_port=api_port,
        ml_port=ml_port,
    )
    stack = Stack(f"http://127.0.0.1:{api_port}", ml_url, tmp=tmp, env={**common, **(env or {})})
    try:
        if own_ml:
            stack.services["ml"] = start_service(tmp, "ml", ML_COMMAND, stack.env)
        for name, gpu_mode in (workers if workers is not None else DEFAULT_WORKERS).items():
            stack.start_worker(name, gpu_mode, (worker_env or {}).get(name))
        stack.services["api"] = start_service(tmp, "api", API_COMMAND, stack.env)
        if own_ml:
            wait_answering(f"{stack.ml_url}/livez", stack.services["ml"], timeout=240)  # once every model is warm
        wait_answering(f"{stack.api_url}/healthz", stack.services["api"])
        yield stack
    finally:
        stack.stop_all()
