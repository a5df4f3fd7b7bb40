from collections.abc import Iterable

from framewise.application.ports import Clock, SessionStore
from framewise.domain.session import Session, SessionId


class SessionFinder:
    """The live session with this id, if its token is still configured: what every request with
    the cookie (and every media link issued to a session) is checked against."""

    def __init__(self, store: SessionStore, clock: Clock, token_ids: Iterable[str]) -> None:
        self._store, self._clock, self._token_ids = store, clock, frozenset(token_ids)

    async def execute(self, session_id: SessionId) -> Session | None:
        session = await self._store.get(session_id)
        if session is None or not session.is_live(self._clock.now()) or session.token_id not in self._token_ids:
            return None  # a token taken out of API_TOKENS takes its sessions with it
        return session
