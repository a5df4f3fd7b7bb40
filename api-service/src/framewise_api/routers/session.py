"""The web UI's sign-in: a token, once, for an HttpOnly, SameSite=Strict session cookie."""

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, Response

from framewise_api.dependencies import ContainerDep
from framewise_api.problems import errors
from framewise_api.schemas.session import SessionIn, SessionOut
from framewise_api.security import SESSION_COOKIE, Caller, SessionSigner, TokenChecker

router = APIRouter(prefix="/api/v1/session", tags=["session"])


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


@router.post("", responses=errors(401, 429))
async def sign_in(body: SessionIn, request: Request, response: Response, container: ContainerDep) -> SessionOut:
    """Exchange an API token for a session cookie (HttpOnly, SameSite=Strict, `Secure` over https,
    expiring after SESSION_TTL_S). Restarting the API with other API_TOKENS revokes every session.
    A token that is not configured is 401 and sets nothing. Each client address may try
    RATE_LIMIT_SIGN_IN times per RATE_LIMIT_WINDOW_S (429 with Retry-After past it), so a token
    cannot be guessed by trying."""
    address = request.client.host if request.client else "unknown"
    await container.rate_limiter.hit("sign_in", f"addr:{address}", container.settings.rate_limit_sign_in)
    checker: TokenChecker = request.app.state.token_checker
    ident = checker.identify(body.token.get_secret_value())
    if ident is None:
        raise HTTPException(401, "that API token is not accepted: check it and try again")
    signer: SessionSigner = request.app.state.session_signer
    value, exp = signer.issue(ident)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=signer.ttl_s,
        expires=exp,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(token_id=ident, expires_at=datetime.fromtimestamp(exp, UTC))


@router.get("")
async def who_am_i(caller: Caller, request: Request) -> SessionOut:
    """Who is signed in, and until when: 401 when there is no valid session (or bearer token)."""
    exp = None
    if "authorization" not in request.headers:
        exp = int(request.cookies[SESSION_COOKIE].split(".")[1])
    return SessionOut(token_id=caller, expires_at=datetime.fromtimestamp(exp, UTC) if exp else None)


@router.delete("", status_code=204)
async def sign_out(request: Request) -> Response:
    """Sign out: the cookie is cleared (always 204, signed in or not)."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response
