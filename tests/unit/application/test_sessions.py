from datetime import timedelta

import pytest

from framewise.application.use_cases.session_bulk_revoker import SessionBulkRevoker
from framewise.application.use_cases.session_finder import SessionFinder
from framewise.application.use_cases.session_lister import SessionLister
from framewise.application.use_cases.session_opener import SessionOpener
from framewise.application.use_cases.session_revoker import SessionRevoker
from framewise.domain.errors import SessionNotFound
from framewise.domain.session import session_id_of
from tests.fakes import FixedClock, InMemorySessionStore

pytestmark = pytest.mark.unit

TTL_S = 3600


def opener(store: InMemorySessionStore, clock: FixedClock) -> SessionOpener:
    return SessionOpener(store, clock, ttl_s=TTL_S)


async def test_a_session_keeps_only_the_hash_of_its_cookie_and_expires_after_the_ttl() -> None:
    clock = FixedClock()
    store = InMemorySessionStore()
    opened = await opener(store, clock).execute("tok-a")

    assert opened.session.id == session_id_of(opened.secret)
    assert opened.secret not in store.sessions and opened.secret not in repr(store.sessions)
    assert opened.session.expires_at == clock.now() + timedelta(seconds=TTL_S)
    finder = SessionFinder(store, clock, ["tok-a"])
    assert await finder.execute(session_id_of(opened.secret)) == opened.session
    clock.advance(TTL_S)
    assert await finder.execute(session_id_of(opened.secret)) is None


async def test_two_sign_ins_at_the_same_instant_are_two_sessions() -> None:
    clock, store = FixedClock(), InMemorySessionStore()
    first = await opener(store, clock).execute("tok-a")
    second = await opener(store, clock).execute("tok-a")

    assert first.secret != second.secret and first.session.id != second.session.id
    assert len(store.sessions) == 2


async def test_a_session_of_a_token_no_longer_configured_is_not_found() -> None:
    clock, store = FixedClock(), InMemorySessionStore()
    opened = await opener(store, clock).execute("tok-a")

    assert await SessionFinder(store, clock, ["tok-b"]).execute(opened.session.id) is None


async def test_revoking_one_session_leaves_the_others_and_another_tokens_is_not_found() -> None:
    clock, store = FixedClock(), InMemorySessionStore()
    laptop = await opener(store, clock).execute("tok-a")
    clock.advance(1)
    phone = await opener(store, clock).execute("tok-a")
    theirs = await opener(store, clock).execute("tok-b")
    revoker = SessionRevoker(store)

    with pytest.raises(SessionNotFound):
        await revoker.execute("tok-a", theirs.session.id)
    await revoker.execute("tok-a", laptop.session.id)
    with pytest.raises(SessionNotFound):
        await revoker.execute("tok-a", laptop.session.id)

    assert await SessionLister(store, clock).execute("tok-a") == [phone.session]
    assert await SessionLister(store, clock).execute("tok-b") == [theirs.session]


async def test_revoking_all_of_a_tokens_sessions_counts_them_and_spares_other_tokens() -> None:
    clock, store = FixedClock(), InMemorySessionStore()
    for token in ("tok-a", "tok-a", "tok-b"):
        await opener(store, clock).execute(token)

    assert await SessionBulkRevoker(store).execute("tok-a") == 2
    assert await SessionBulkRevoker(store).execute("tok-a") == 0
    assert [s.token_id for s in store.sessions.values()] == ["tok-b"]


async def test_the_listing_is_oldest_first_and_leaves_out_expired_sessions() -> None:
    clock, store = FixedClock(), InMemorySessionStore()
    old = await opener(store, clock).execute("tok-a")
    clock.advance(TTL_S - 10)
    young = await opener(store, clock).execute("tok-a")
    lister = SessionLister(store, clock)

    assert [s.id for s in await lister.execute("tok-a")] == [old.session.id, young.session.id]
    clock.advance(10)
    assert [s.id for s in await lister.execute("tok-a")] == [young.session.id]
