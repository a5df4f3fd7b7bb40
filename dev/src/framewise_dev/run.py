"""`make run`: the whole system on one machine, as supervised local processes.

Starts embedded PostgreSQL and Valkey (unless DATABASE_URL / VALKEY_URL name servers of yours),
applies the migrations, writes a sample video if the media folder is empty, then runs the ML
service, a GPU-pool and a CPU-pool worker and the API under `Supervisor`, which restarts a service
that exits on its own and leaves down one that keeps crashing. Ctrl-C (or SIGTERM) stops the workers
first, then the API and the ML service, then the stores. Nothing outlives it, even a SIGKILL
(docs/design/make-run.md).
"""

import argparse
import os
import secrets
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from framewise_dev.local_processes import Console, LocalLauncher
from framewise_dev.media import make_analysis_video
from framewise_dev.ports import taken_ports
from framewise_dev.restart_policy import RestartPolicy
from framewise_dev.state_file import write_state
from framewise_dev.stores import EmbeddedStores, start_stores
from framewise_dev.supervisor import ServiceSpec, Supervisor
from framewise_dev.ui_build import UI_DIR, UiBuildError, build_ui

SERVICES = ("ml", "worker-gpu", "worker-cpu", "api")
TICK_S = 0.2  # how often the supervisor looks at its services


class DevSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = None
    valkey_url: str | None = None
    media_roots: str = "media"
    data_dir: str = ".data"
    api_tokens: str | None = None
    ml_token: str | None = None
    api_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    ml_port: Annotated[int, Field(ge=1, le=65535)] = 8001
    worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9100
    log_format: str = "console"
    # A service that exits on its own is restarted after a backoff doubling from RESTART_BACKOFF_S to
    # RESTART_BACKOFF_MAX_S; at RESTART_MAX_CRASHES crashes within RESTART_WINDOW_S it stays down.
    restart_backoff_s: Annotated[float, Field(gt=0, le=3600)] = 1.0
    restart_backoff_max_s: Annotated[float, Field(gt=0, le=3600)] = 30.0
    restart_max_crashes: Annotated[int, Field(ge=1, le=1000)] = 6
    restart_window_s: Annotated[float, Field(gt=0)] = 600.0
    shutdown_grace_s: Annotated[int, Field(ge=0, le=3600)] = 30  # the workers' own; they get 15 s more to exit
    # For tests and debugging: a service's command line replaced, as JSON ({"worker-cpu": "false"}).
    service_commands: dict[str, str] = {}

    @field_validator("service_commands")
    @classmethod
    def _known_services(cls, commands: dict[str, str]) -> dict[str, str]:
        unknown = set(commands) - set(SERVICES)
        if unknown:
            raise ValueError(f"unknown services {sorted(unknown)}; the services are {', '.join(SERVICES)}")
        return commands


def first_root(settings: DevSettings) -> Path:
    return Path(settings.media_roots.split(",")[0].strip()).expanduser().resolve()


def ensure_sample(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    if any(p.is_file() for p in root.rglob("*")):
        return
    sample = make_analysis_video(root / "sample.mp4")
    print(f"framewise: wrote {sample.path} ({sample.duration_ms} ms, cuts at {sample.cut_ms()} ms)", flush=True)


def api_token(settings: DevSettings) -> str:
    """API_TOKENS if set; otherwise a token made once and kept in the data folder."""
    return settings.api_tokens or kept_secret(settings, "api-token")


def ml_token(settings: DevSettings) -> str:
    """ML_TOKEN if set; otherwise one made once and kept: the ML service requires it, the workers send it."""
    return settings.ml_token or kept_secret(settings, "ml-token")


def kept_secret(settings: DevSettings, name: str) -> str:
    kept = Path(settings.data_dir) / name
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(secrets.token_urlsafe(24))
        kept.chmod(0o600)
    return kept.read_text().strip()


def process_env(settings: DevSettings, database_url: str, valkey_url: str) -> dict[str, str]:
    roots = ",".join(str(Path(r.strip()).expanduser().resolve()) for r in settings.media_roots.split(","))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        VALKEY_URL=valkey_url,
        MEDIA_ROOTS=roots,
        API_TOKENS=api_token(settings),
        ML_TOKEN=ml_token(settings),
        ML_SERVICE_URL=f"http://127.0.0.1:{settings.ml_port}",
        API_PORT=str(settings.api_port),
        ML_PORT=str(settings.ml_port),
        LOG_FORMAT=settings.log_format,
        PYTHONUNBUFFERED="1",
    )
    # The ML service takes a while to load its models; the first jobs wait PENDING and look again soon.
    env.setdefault("UNAVAILABLE_RECHECK_S", "5")
    return env


def ensure_ui(env: Mapping[str, str]) -> None:
    """The web UI, built when ui/dist is missing or older than its sources; without npm the API runs
    alone. Not built when the API is told to serve another folder, or none (UI_DIR set, even empty)."""
    if "UI_DIR" in env:
        return
    try:
        if build_ui():
            print(f"framewise: built the web UI into {UI_DIR / 'dist'}", flush=True)
    except UiBuildError as exc:
        print(f"framewise: the web UI is not built ({exc}); the API runs without it", flush=True)


def service_specs(settings: DevSettings, env: dict[str, str]) -> list[ServiceSpec]:
    """The four services, in their start order; the workers stop first (stop_order 0) and drain."""
    python, port = sys.executable, settings.worker_metrics_port
    logs = Path(settings.data_dir).resolve() / "logs"
    worker_stop_s = settings.shutdown_grace_s + 15.0
    commands = {
        "ml": [python, "-m", "framewise_ml.main"],
        "worker-gpu": [python, "-m", "framewise_worker.main"],
        "worker-cpu": [python, "-m", "framewise_worker.main"],
        "api": [python, "-m", "framewise_api.main"],
    }
    commands.update({name: shlex.split(line) for name, line in settings.service_commands.items()})
    envs = {
        "ml": env,
        "worker-gpu": {**env, "GPU_MODE": "gpu", "WORKER_METRICS_PORT": str(port + 1 if port else 0)},
        "worker-cpu": {**env, "GPU_MODE": "cpu", "WORKER_METRICS_PORT": str(port + 2 if port else 0)},
        "api": env,
    }
    return [
        ServiceSpec(
            name,
            tuple(commands[name]),
            envs[name],
            str(logs / f"{name}.log"),
            stop_order=0 if name.startswith("worker") else 1,
            stop_timeout_s=worker_stop_s if name.startswith("worker") else 15.0,
        )
        for name in SERVICES
    ]


def service_ports(settings: DevSettings) -> dict[str, int]:
    port = settings.worker_metrics_port
    ports = {"API_PORT": settings.api_port, "ML_PORT": settings.ml_port}
    if port:
        ports["WORKER_METRICS_PORT + 1 (the GPU-pool worker's)"] = port + 1
        ports["WORKER_METRICS_PORT + 2 (the CPU-pool worker's)"] = port + 2
    return ports


def start_store_guard(data_dir: Path) -> None:
    """The guard that stops the embedded stores if this process dies without doing it (SIGKILL)."""
    subprocess.Popen(
        [sys.executable, "-m", "framewise_dev.store_guard", str(os.getpid()), str(data_dir)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def supervise(settings: DevSettings, env: dict[str, str]) -> None:
    """Run the services until SIGINT or SIGTERM, then stop them in order."""
    specs = service_specs(settings, env)
    state_file = Path(env["SERVICES_STATE_FILE"])
    console = Console(sys.stdout, max(len(s.name) for s in specs))
    policy = RestartPolicy(
        backoff_s=settings.restart_backoff_s,
        backoff_max_s=max(settings.restart_backoff_max_s, settings.restart_backoff_s),
        max_crashes=settings.restart_max_crashes,
        window_s=settings.restart_window_s,
    )
    supervisor = Supervisor(
        specs,
        LocalLauncher(console),
        policy,
        say=console.say,
        on_change=lambda views: write_state(state_file, views, supervisor_pid=os.getpid()),
    )
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervisor.start()
    while not stopping.wait(TICK_S):
        supervisor.tick()
    console.say("stopping: the workers first, then the API and the ML service")
    supervisor.stop()


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="framewise-dev",
        allow_abbrev=False,
        description="`make run`: start the whole system on this machine (embedded PostgreSQL and Valkey unless "
        "DATABASE_URL / VALKEY_URL are set, the migrations, a sample video if the media folder is empty, then "
        "the ML service, a GPU-pool and a CPU-pool worker and the API, each restarted if it exits); Ctrl-C "
        "stops it all. Reads .env.",
    ).parse_args(argv)
    settings = DevSettings()
    taken = taken_ports(service_ports(settings))
    if taken:
        for line in taken:
            print(f"framewise: {line}", file=sys.stderr, flush=True)
        sys.exit("framewise: not started: stop that process, or choose other ports (.env or the environment)")
    data_dir = Path(settings.data_dir).resolve()
    stores: EmbeddedStores | None = None
    database_url, valkey_url = settings.database_url, settings.valkey_url
    if database_url is None or valkey_url is None:
        stores = start_stores(data_dir)
        start_store_guard(data_dir)
        database_url = database_url or stores.database_url
        valkey_url = valkey_url or stores.valkey_url
        print(f"framewise: embedded stores up (data in {settings.data_dir}/)", flush=True)
    try:
        env = process_env(settings, database_url, valkey_url)
        env["SERVICES_STATE_FILE"] = str(data_dir / "services.json")
        subprocess.run([sys.executable, "-m", "framewise_api.migrate", "upgrade", "head"], env=env, check=True)
        ensure_sample(first_root(settings))
        ensure_ui(env)
        print(
            f"framewise: web UI and API on http://127.0.0.1:{settings.api_port} (docs at /docs), "
            f"ML service on http://127.0.0.1:{settings.ml_port}; Ctrl-C stops everything",
            flush=True,
        )
        if not settings.api_tokens:
            token = env["API_TOKENS"]
            print(f"framewise: API token (kept in {settings.data_dir}/api-token): {token}", flush=True)
            print(
                f'framewise: try  curl -H "Authorization: Bearer {token}" '
                f"http://127.0.0.1:{settings.api_port}/api/v1/tasks",
                flush=True,
            )
        print(f"framewise: each service's log is in {data_dir / 'logs'}/ too", flush=True)
        supervise(settings, env)
    finally:
        if stores is not None:
            stores.stop()
            print("framewise: embedded stores stopped", flush=True)


if __name__ == "__main__":
    main()
