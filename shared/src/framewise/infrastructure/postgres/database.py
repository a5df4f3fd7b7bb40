"""Engine and session factory for PostgreSQL through asyncpg."""

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Accept `postgresql://` (as pgserver and most tools print it) and select the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://', maxsplit=1)[0]}://…")


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    # pool_pre_ping lets a service ride over a PostgreSQL restart: dead connections are replaced.
    return create_async_engine(async_url(url), pool_size=pool_size, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
