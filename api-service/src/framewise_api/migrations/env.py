"""Alembic environment: runs migrations over asyncpg with the URL the caller put in the config."""

import asyncio

from alembic import context
from sqlalchemy import Connection

from framewise.infrastructure.postgres.database import create_engine
from framewise.infrastructure.postgres.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _online(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


url = context.config.attributes.get("database_url")
if not url:
    raise SystemExit("DATABASE_URL is required to run migrations")
asyncio.run(_online(url))
