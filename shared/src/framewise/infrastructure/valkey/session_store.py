"""The web UI's sessions in Valkey: each one a key that Valkey itself drops at its expiry, and per
token an index (a sorted set by expiry) to list and revoke them by."""

import json
from datetime import UTC, datetime

from redis.asyncio import Redis

from framewise.domain.session import Session, SessionId

PREFIX = "session"


def _key(session_id: str) -> str:
    return f"{PREFIX}:id:{session_id}"


def _index(token_id: str) -> str:
    return f"{PREFIX}:token:{token_id}"


class ValkeySessionStore:
    """Sessions by id in Valkey, expiring on their own (PXAT), indexed per token."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, session: Session) -> None:
        body = json.dumps(
            {
                "token_id": session.token_id,
                "created_at": session.created_at.isoformat(),
                "expires_at": session.expires_at.isoformat(),
            }
        )
        expires_ms = int(session.expires_at.timestamp() * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_key(session.id), body, pxat=expires_ms)
            pipe.zadd(_index(session.token_id), {session.id: expires_ms})
            pipe.zremrangebyscore(_index(session.token_id), "-inf", int(datetime.now(UTC).timestamp() * 1000))
            pipe.pexpireat(_index(session.token_id), expires_ms, gt=True)
            pipe.pexpireat(_index(session.token_id), expires_ms, nx=True)
            await pipe.execute()

    async def get(self, session_id: SessionId) -> Session | None:
        raw = await self._redis.get(_key(session_id))
        if raw is None:
            return None
        fields = json.loads(raw)
        return Session(
            id=session_id,
            token_id=str(fields["token_id"]),
            created_at=datetime.fromisoformat(fields["created_at"]),
            expires_at=datetime.fromisoformat(fields["expires_at"]),
        )

    async def remove(self, session_id: SessionId) -> bool:
        session = await self.get(session_id)
        removed = bool(await self._redis.delete(_key(session_id)))
        if session is not None:
            await self._redis.zrem(_index(session.token_id), session_id)
        return removed

    async def of_token(self, token_id: str) -> list[Session]:
        members = await self._redis.zrange(_index(token_id), 0, -1)
        ids = [m.decode() if isinstance(m, bytes) else str(m) for m in members]
        found = [await self.get(SessionId(i)) for i in ids]
        gone = [i for i, s in zip(ids, found, strict=True) if s is None]
        if gone:  # expired on their own: tidy the index
            await self._redis.zrem(_index(token_id), *gone)
        return [s for s in found if s is not None]
