from framewise.application.ports import SessionStore
from framewise.domain.errors import SessionNotFound
from framewise.domain.session import SessionId


class SessionRevoker:
    """End one session of the caller's token at once: its cookie and the media links issued to it
    stop working. Another token's session is as unknown as one that never was."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    async def execute(self, token_id: str, session_id: SessionId) -> None:
        session = await self._store.get(session_id)
        if session is None or session.token_id != token_id:
            raise SessionNotFound(session_id)
        await self._store.remove(session_id)
