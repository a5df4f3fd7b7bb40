"""One PostgreSQL transaction over the repositories."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.infrastructure.postgres.persons import SqlPersonRepository
from framewise.infrastructure.postgres.repositories import (
    SqlArtifactRepository,
    SqlSettingsRepository,
    SqlTaskRepository,
    SqlVideoRepository,
)
from framewise.infrastructure.postgres.speakers import SqlSpeakerRepository


class SqlUnitOfWork:
    """A transaction per `async with`; rolled back unless `commit` was called. Re-enterable in turn."""

    tasks: SqlTaskRepository
    videos: SqlVideoRepository
    artifacts: SqlArtifactRepository
    settings: SqlSettingsRepository
    persons: SqlPersonRepository
    speakers: SqlSpeakerRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work already open")
        self._session = self._sessions()
        self.tasks = SqlTaskRepository(self._session)
        self.videos = SqlVideoRepository(self._session)
        self.artifacts = SqlArtifactRepository(self._session)
        self.settings = SqlSettingsRepository(self._session)
        self.persons = SqlPersonRepository(self._session)
        self.speakers = SqlSpeakerRepository(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        assert session is not None
        try:
            await session.rollback()  # a no-op after commit
        finally:
            await session.close()

    async def commit(self) -> None:
        assert self._session is not None, "commit outside the unit of work"
        await self._session.commit()
