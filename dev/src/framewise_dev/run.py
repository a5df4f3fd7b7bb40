"""`make run`: the whole system on one machine, as supervised local processes.

Starts embedded PostgreSQL and Valkey (unless DATABASE_URL / VALKEY_URL name servers of yours),
applies the migrations, writes a sample video if the media folder is empty, then runs the ML
service, a GPU-pool and a CPU-pool worker and the API under honcho. Ctrl-C stops them all, then
the stores.
"""

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Annotated

from honcho.manager import Manager
from honcho.printer import Printer
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from framewise_dev.media import make_analysis_video
from framewise_dev.stores import EmbeddedStores, start_stores
from framewise_dev.ui_build import UI_DIR, UiBuildError, build_ui


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


def ensure_ui() -> None:
    """The web UI, built when ui/dist is missing or older than its sources; without npm the API runs alone."""
    try:
        if build_ui():
            print(f"framewise: built the web UI into {UI_DIR / 'dist'}", flush=True)
    except UiBuildError as exc:
        print(f"framewise: the web UI is not built ({exc}); the API runs without it", flush=True)


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="framewise-dev",
        allow_abbrev=False,
        description="`make run`: start the whole system on this machine (embedded PostgreSQL and Valkey unless "
        "DATABASE_URL / VALKEY_URL are set, the migrations, a sample video if the media folder is empty, then "
        "the ML service, a GPU-pool and a CPU-pool worker and the API); Ctrl-C stops it all. Reads .env.",
    ).parse_args(argv)
    settings = DevSettings()
    stores: EmbeddedStores | None = None
    database_url, valkey_url = settings.database_url, settings.valkey_url
    if database_url is None or valkey_url is None:
        stores = start_stores(Path(settings.data_dir).resolve())
        database_url = database_url or stores.database_url
        valkey_url = valkey_url or stores.valkey_url
        print(f"framewise: embedded stores up (data in {settings.data_dir}/)", flush=True)
    try:
        env = process_env(settings, database_url, valkey_url)
        python = sys.executable
        subprocess.run([python, "-m", "framewise_api.migrate", "upgrade", "head"], env=env, check=True)
        ensure_sample(first_root(settings))
        ensure_ui()
        manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
        port = settings.worker_metrics_port
        manager.add_process("ml", f"{python} -m framewise_ml.main", env=env)
        manager.add_process(
            "worker-gpu",
            f"{python} -m framewise_worker.main",
            env={**env, "GPU_MODE": "gpu", "WORKER_METRICS_PORT": str(port + 1 if port else 0)},
        )
        manager.add_process(
            "worker-cpu",
            f"{python} -m framewise_worker.main",
            env={**env, "GPU_MODE": "cpu", "WORKER_METRICS_PORT": str(port + 2 if port else 0)},
        )
        manager.add_process("api", f"{python} -m framewise_api.main", env=env)
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
        manager.loop()
        code = manager.returncode or 0
    finally:
        if stores is not None:
            stores.stop()
            print("framewise: embedded stores stopped", flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
