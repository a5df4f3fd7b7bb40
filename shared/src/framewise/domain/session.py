"""The web UI's sessions: a random secret in the browser's cookie, and on the server only its hash,
which is also the session's public id (listed, revoked, bound into the media links it asked for).
Knowing the id opens nothing: the cookie is the secret, and the hash cannot be turned back."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NewType

SessionId = NewType("SessionId", str)
SECRET_BYTES = 32  # 256 random bits: never guessed, so no signature is needed on top


def new_secret() -> str:
    """A fresh cookie value: URL-safe, 43 characters."""
    return secrets.token_urlsafe(SECRET_BYTES)


def session_id_of(secret: str) -> SessionId:
    """The id of the session a cookie value opens (its SHA-256, 128 bits in hex)."""
    return SessionId(hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:32])


@dataclass(frozen=True)
class Session:
    """One sign-in of the web UI with one API token, open until it expires or is revoked."""

    id: SessionId
    token_id: str  # the token's non-secret name (framewise_api.security.token_id)
    created_at: datetime
    expires_at: datetime

    @classmethod
    def open(cls, secret: str, token_id: str, now: datetime, ttl_s: int) -> "Session":
        return cls(session_id_of(secret), token_id, now, now + timedelta(seconds=ttl_s))

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at
