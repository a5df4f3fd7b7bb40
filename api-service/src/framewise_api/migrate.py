"""Apply or roll back the database schema: `framewise-migrate upgrade head` / `downgrade base`."""

import argparse
from pathlib import Path
from typing import Annotated

from alembic import command
from alembic.config import Config
from pydantic import Field

from framewise.infrastructure.settings import ServiceSettings, load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


class MigrateSettings(ServiceSettings):
    database_url: Annotated[str, Field(min_length=1)]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="framewise-migrate",
        allow_abbrev=False,
        description="Apply or roll back the database schema (DATABASE_URL): upgrade [revision] (default head), "
        "downgrade [revision] (default base), current, history.",
    )
    parser.add_argument("action", choices=["upgrade", "downgrade", "current", "history"])
    parser.add_argument("revision", nargs="?")
    args = parser.parse_args(argv)
    url = load_settings(MigrateSettings).database_url
    config = alembic_config(url)
    if args.action == "upgrade":
        command.upgrade(config, args.revision or "head")
    elif args.action == "downgrade":
        command.downgrade(config, args.revision or "base")
    elif args.action == "current":
        command.current(config, verbose=True)
    else:
        command.history(config)


if __name__ == "__main__":
    main()
