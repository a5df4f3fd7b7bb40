from collections.abc import Callable
from dataclasses import dataclass

from framewise.application.ports import Clock, SessionStore
from framewise.domain.session import Session, new_secret


@dataclass(frozen=True)
class OpenedSession:
    secret: str  # the cookie's value: handed to the browser once, never stored
    session: Session


class SessionOpener:
    """Open a web UI session for a token that was just checked: a fresh random secret for the
    cookie, and only its hash kept, until the session expires or is revoked."""

    def __init__(
        self, store: SessionStore, clock: Clock, *, ttl_s: int, secrets: Callable[[], str] = new_secret
    ) -> None:
        self._store, self._clock, self._ttl_s, self._secrets = store, clock, ttl_s, secrets

    async def execute(self, token_id: str) -> OpenedSession:
        secret = self._secrets()
        session = Session.open(secret, token_id, self._clock.now(), self._ttl_s)
        await self._store.add(session)
        return OpenedSession(secret, session)
