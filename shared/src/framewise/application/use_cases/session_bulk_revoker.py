from framewise.application.ports import SessionStore


class SessionBulkRevoker:
    """End every session opened with one token (a lost laptop, a shared browser): returns how many."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    async def execute(self, token_id: str) -> int:
        revoked = 0
        for session in await self._store.of_token(token_id):
            revoked += await self._store.remove(session.id)
        return revoked
