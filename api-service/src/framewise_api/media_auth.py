"""Who may fetch a video's media: a bearer token (programs), the web UI's session cookie, or a
signed link (browsers, whose <video> and <img> cannot send a header). A link is `exp` (a Unix
time), `sig` and, when a session asked for it, `sid`: `sig` is an HMAC-SHA256 under a server key of
the resource it opens (stream, thumbnail, captions or chapters), the video, the expiry and the
session. So a link opens one kind of resource of one video, for a while, and never outlives the
session it was issued to: sign-out or revocation ends it at once. It never carries the token."""

import hashlib
import hmac
import time
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, HTTPException, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials

from framewise.application.use_cases.session_finder import SessionFinder
from framewise.domain.session import SessionId
from framewise_api.security import TokenChecker, bearer_scheme, require_caller
from framewise_api.settings import ApiSettings

MediaKind = Literal["stream", "thumbnail", "captions", "chapters"]
# The kind each media route serves, by its path: a thumbnail's link cannot open the stream.
KIND_OF_ROUTE: dict[str, MediaKind] = {
    "/api/v1/videos/{video_id}/stream": "stream",
    "/api/v1/videos/{video_id}/thumbnail": "thumbnail",
    "/api/v1/videos/{video_id}/captions.vtt": "captions",
    "/api/v1/videos/{video_id}/captions.srt": "captions",
    "/api/v1/videos/{video_id}/chapters.vtt": "chapters",
}


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

    def _sig(self, kind: str, video_id: UUID, exp: int, session_id: str | None) -> str:
        message = f"{kind}:{video_id}:{exp}:{session_id or ''}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def query(self, kind: MediaKind, video_id: UUID, session_id: str | None = None, now: float | None = None) -> str:
        """`exp=…&sig=…[&sid=…]` for a link to this kind of media of this video, valid for the
        configured time (and, with `session_id`, only while that session lasts)."""
        exp = int(now if now is not None else time.time()) + self._ttl_s
        sid = f"&sid={session_id}" if session_id else ""
        return f"exp={exp}&sig={self._sig(kind, video_id, exp, session_id)}{sid}"

    def valid(
        self, kind: str, video_id: UUID, exp: int, sig: str, session_id: str | None, now: float | None = None
    ) -> bool:
        fresh = exp >= (now if now is not None else time.time())
        presented = sig.encode("utf-8", "replace")  # compare_digest takes only ASCII str: compare bytes
        expected = self._sig(kind, video_id, exp, session_id).encode()
        return hmac.compare_digest(expected, presented) and fresh


_REFUSED = "the media link is altered, incomplete, expired, for another resource or of a session that ended"


async def media_access(
    request: Request,
    video_id: UUID,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    exp: Annotated[int | None, Query(ge=0, le=2**53, description="expiry of a signed media link")] = None,
    sig: Annotated[str | None, Query(max_length=128, description="signature of a media link")] = None,
    sid: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{32}$", description="the session a signed media link was issued to")
    ] = None,
) -> None:
    """A valid bearer token, the session cookie, or a valid, unexpired link signature for this very
    resource of this very video (and, when it was issued to a session, that session still open);
    an altered, expired or misused signature is 403, no credential at all 401."""
    checker: TokenChecker = request.app.state.token_checker
    if credentials is not None and checker.identify(credentials.credentials) is not None:
        return
    if exp is None and sig is None and sid is None:
        await require_caller(request, credentials)  # the cookie, or the 401 with its challenge
        return
    route = request.scope.get("route")
    kind = KIND_OF_ROUTE.get(route.path) if isinstance(route, APIRoute) else None
    signer: MediaSigner = request.app.state.media_signer
    if kind is None or exp is None or sig is None or not signer.valid(kind, video_id, exp, sig, sid):
        raise HTTPException(403, f"{_REFUSED}: ask the API for a new one")
    if sid is not None:
        finder: SessionFinder = request.app.state.container.session_finder()
        if await finder.execute(SessionId(sid)) is None:
            raise HTTPException(403, f"{_REFUSED}: sign in again")


class MediaLinks:
    """The links one request hands out: bound to the session that asked, when a session asked."""

    def __init__(self, signer: MediaSigner, session_id: str | None) -> None:
        self._signer, self._session_id = signer, session_id

    def query(self, kind: MediaKind, video_id: UUID) -> str:
        return self._signer.query(kind, video_id, self._session_id)


def media_links(request: Request) -> MediaLinks:
    """For routes behind the credentials check, which records the request's session (if any)."""
    session = getattr(request.state, "session", None)
    return MediaLinks(request.app.state.media_signer, session.id if session is not None else None)
