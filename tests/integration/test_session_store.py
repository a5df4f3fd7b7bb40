"""One contract for the session store, run against Valkey and against the fake the unit tests use,
so that they cannot drift apart."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from framewise.application.ports import SessionStore
from framewise.domain.session import Session, new_secret
from framewise.infrastructure.valkey.session_store import ValkeySessionStore
from tests.fakes import InMemorySessionStore

pytestmark = pytest.mark.integration


@pytest.fixture(params=["valkey", "in-memory"])
async def store(request: pytest.FixtureRequest, redis: Redis) -> AsyncIterator[SessionStore]:
    yield ValkeySessionStore(redis) if request.param == "valkey" else InMemorySessionStore()


def session(token_id: str, *, created_ago_s: float = 0, ttl_s: int = 3600) -> Session:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=created_ago_s)
    return Session.open(new_secret(), token_id, now, ttl_s)


async def test_a_session_is_kept_found_by_id_listed_by_token_and_removed(store: SessionStore) -> None:
    first, second, theirs = session("tok-a"), session("tok-a"), session("tok-b")
    for s in (first, second, theirs):
        await store.add(s)

    assert await store.get(first.id) == first
    assert sorted(s.id for s in await store.of_token("tok-a")) == sorted([first.id, second.id])
    assert await store.remove(first.id) is True
    assert await store.remove(first.id) is False
    assert await store.get(first.id) is None
    assert [s.id for s in await store.of_token("tok-a")] == [second.id]
    assert [s.id for s in await store.of_token("tok-b")] == [theirs.id]
    assert await store.of_token("tok-c") == []


async def test_valkey_drops_a_session_at_its_expiry_and_tidies_the_index(redis: Redis) -> None:
    store = ValkeySessionStore(redis)
    gone = Session.open(new_secret(), "tok-a", datetime.now(UTC) - timedelta(hours=1), 60)  # expired already
    kept = session("tok-a")
    await store.add(gone)
    await store.add(kept)

    assert await store.get(gone.id) is None
    assert [s.id for s in await store.of_token("tok-a")] == [kept.id]
    assert await redis.zcard("session:token:tok-a") == 1
    assert 3500 < await redis.ttl(f"session:id:{kept.id}") <= 3600  # Valkey expires it on its own
    assert await redis.ttl("session:token:tok-a") > 3500
