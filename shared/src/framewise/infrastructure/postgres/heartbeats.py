"""Heartbeats of running attempts: one UPDATE in its own transaction, fenced like every write."""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.domain.ids import TaskId
from framewise.infrastructure.postgres.tables import tasks


class SqlHeartbeats:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def beat(self, task_id: TaskId, attempt: int, now: datetime) -> bool:
        statement = (
            update(tasks)
            .where(tasks.c.id == task_id, tasks.c.attempt == attempt, tasks.c.status == "RUNNING")
            .values(heartbeat_at=now)
        )
        async with self._sessions() as session, session.begin():
            result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]
