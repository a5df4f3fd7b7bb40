"""Who may ask for inference: the bearer token in ML_TOKEN, compared in constant time."""

import hashlib
import hmac
from typing import cast

from fastapi import HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from framewise_ml.container import MlContainer

_bearer = HTTPBearer(auto_error=False, description="ML_TOKEN, which the workers send")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="framewise-ml"'}


async def require_token(request: Request) -> str:
    """The caller's identity for per-caller limits (a hash of its token, or its address when the
    service runs without a token on loopback); 401 for a missing or wrong token."""
    container = cast(MlContainer, request.app.state.container)
    expected = container.settings.ml_token
    client = request.client.host if request.client else "unknown"
    if expected is None:
        return f"addr:{client}"
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is None:
        raise HTTPException(401, "missing bearer token: send 'Authorization: Bearer <ML_TOKEN>'", headers=CHALLENGE)
    if not hmac.compare_digest(credentials.credentials.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, "invalid bearer token", headers=CHALLENGE)
    return f"token:{hashlib.sha256(credentials.credentials.encode()).hexdigest()[:12]}:{client}"
