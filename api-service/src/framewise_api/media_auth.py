"""Who may fetch a video's media: a bearer token (programs), or a signed link (browsers, whose
<video> and <img> cannot send a header). A link is `exp` (a Unix time) and `sig`, an HMAC-SHA256
of the video id and `exp` under a server key: bound to its video, short-lived, never the token."""

import hashlib
import hmac
import time
from typing import Annotated
from uuid import UUID

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from framewise_api.security import TokenChecker, bearer_scheme, require_caller
from framewise_api.settings import ApiSettings


class MediaSigner:
    def __init__(self, key: bytes, ttl_s: int) -> None:
        self._key, self._ttl_s = key, ttl_s

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> "MediaSigner":
        if settings.media_signing_key is not None:
            key = settings.media_signing_key.get_secret_value().encode()
        else:  # shared by every API process with the same tokens; rotating the tokens voids old links
            key = hashlib.sha256(b"framewise-media\0" + "\0".join(sorted(settings.api_tokens)).encode()).digest()
        return cls(key, settings.media_url_ttl_s)

    def _sig(self, video_id: UUID, exp: int) -> str:
        return hmac.new(self._key, f"{video_id}:{exp}".encode(), hashlib.sha256).hexdigest()

    def query(self, video_id: UUID, now: float | None = None) -> str:
        """`exp=…&sig=…` for a link to this video's media, valid for the configured time."""
        exp = int(now if now is not None else time.time()) + self._ttl_s
        return f"exp={exp}&sig={self._sig(video_id, exp)}"

    def valid(self, video_id: UUID, exp: int, sig: str, now: float | None = None) -> bool:
        fresh = exp >= (now if now is not None else time.time())
        presented = sig.encode("utf-8", "replace")  # compare_digest takes only ASCII str: compare bytes
        return hmac.compare_digest(self._sig(video_id, exp).encode(), presented) and fresh


async def media_access(
    request: Request,
    video_id: UUID,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    exp: Annotated[int | None, Query(ge=0, le=2**53, description="expiry of a signed media link")] = None,
    sig: Annotated[str | None, Query(max_length=128, description="signature of a media link")] = None,
) -> None:
    """A valid bearer token, or a valid, unexpired link signature for this very video; an altered or
    expired signature is 403, neither credential 401."""
    checker: TokenChecker = request.app.state.token_checker
    if credentials is not None and checker.identify(credentials.credentials) is not None:
        return
    if exp is None and sig is None:
        await require_caller(request, credentials)  # raises the 401 with its challenge
        return
    signer: MediaSigner = request.app.state.media_signer
    if exp is None or sig is None or not signer.valid(video_id, exp, sig):
        raise HTTPException(403, "the media link is altered, incomplete or expired: ask the API for a new one")
