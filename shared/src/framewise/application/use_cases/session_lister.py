from framewise.application.ports import Clock, SessionStore
from framewise.domain.session import Session


class SessionLister:
    """The live sessions opened with one token, oldest first."""

    def __init__(self, store: SessionStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def execute(self, token_id: str) -> list[Session]:
        now = self._clock.now()
        live = [s for s in await self._store.of_token(token_id) if s.is_live(now)]
        return sorted(live, key=lambda s: (s.created_at, s.id))
