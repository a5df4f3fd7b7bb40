from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr


class SessionIn(BaseModel):
    token: Annotated[SecretStr, Field(min_length=1, max_length=4096, description="one of the tokens in API_TOKENS")]


class SessionOut(BaseModel):
    token_id: str  # the token's non-secret name (a hash prefix), never the token
    expires_at: datetime | None  # None: the caller sent a bearer token, not the session cookie
