from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, SecretStr

from framewise.domain.session import Session


class SessionIn(BaseModel):
    token: Annotated[SecretStr, Field(min_length=1, max_length=4096, description="one of the tokens in API_TOKENS")]


class SessionOut(BaseModel):
    token_id: str  # the token's non-secret name (a hash prefix), never the token
    session_id: str | None = Field(None, description="this session's id; none for a bearer token")
    expires_at: datetime | None  # None: the caller sent a bearer token, not the session cookie


class OpenSessionOut(BaseModel):
    id: str = Field(description="the session's id (a hash of its cookie, which it does not reveal)")
    created_at: datetime
    expires_at: datetime
    current: bool = Field(description="the session this request came with")

    @classmethod
    def of(cls, session: Session, current: Session | None) -> Self:
        is_current = current is not None and current.id == session.id
        return cls(id=session.id, created_at=session.created_at, expires_at=session.expires_at, current=is_current)


class SessionsOut(BaseModel):
    items: list[OpenSessionOut]


class RevokedOut(BaseModel):
    revoked: int = Field(description="sessions ended")
