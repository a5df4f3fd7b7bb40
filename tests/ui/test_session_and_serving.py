"""The web UI's session cookie and the serving of its built files, through the real app on real
PostgreSQL and Valkey: the cookie's attributes, expiry, revocation by other tokens, sign-out, and
pages that never shadow the API's own paths."""

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_api.security import SESSION_COOKIE, SessionSigner, token_id
from tests.api import AUTH, OTHER_TOKEN, TOKEN, api_app

pytestmark = pytest.mark.integration


@pytest.fixture
def backing(engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path) -> dict[str, Any]:
    return {"database_url": database_url, "valkey_url": valkey_url, "media_root": media_root}


def browser(backing: dict[str, Any], base_url: str = "http://testserver", **overrides: Any) -> TestClient:
    """A client that sends no bearer token: only what a browser would (its cookies)."""
    return TestClient(api_app(**backing, **overrides), base_url=base_url, raise_server_exceptions=False)


def set_cookie(response: Any) -> str:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(headers) == 1, headers
    return str(headers[0])


def attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts[1:]}


def test_a_token_opens_an_httponly_strict_expiring_session_that_authorises_the_api(backing: dict[str, Any]) -> None:
    with browser(backing, session_ttl_s=3600) as client:
        assert client.get("/api/v1/tasks").status_code == 401
        signed_in = client.post("/api/v1/session", json={"token": TOKEN})
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["token_id"] == token_id(TOKEN)
        header = set_cookie(signed_in)
        assert header.startswith(f"{SESSION_COOKIE}=")
        assert TOKEN not in header  # the token itself is never in the cookie
        attrs = attributes(header)
        assert "httponly" in attrs and attrs["samesite"].lower() == "strict" and attrs["path"] == "/"
        assert attrs["max-age"] == "3600" and "expires" in attrs
        assert "secure" not in attrs  # plain http: a Secure cookie would never come back
        assert signed_in.headers["cache-control"] == "no-store"

        tasks = client.get("/api/v1/tasks")  # the cookie alone
        assert tasks.status_code == 200 and tasks.json()["total"] == 0
        assert tasks.headers["cache-control"] == "no-store"  # cookie-authenticated answers are not cached
        me = client.get("/api/v1/session").json()
        assert me["token_id"] == token_id(TOKEN)
        assert 3590 <= _epoch(me["expires_at"]) - time.time() <= 3601
        # Bearer tokens keep working beside it, and a wrong bearer is not rescued by the cookie.
        assert client.get("/api/v1/tasks", headers=AUTH).status_code == 200
        assert (
            client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        )


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_over_https_the_cookie_is_secure(backing: dict[str, Any]) -> None:
    with browser(backing, base_url="https://testserver") as client:
        attrs = attributes(set_cookie(client.post("/api/v1/session", json={"token": TOKEN})))
        assert "secure" in attrs
    with browser(backing) as client:  # behind a proxy that terminates TLS
        response = client.post("/api/v1/session", json={"token": TOKEN}, headers={"X-Forwarded-Proto": "https"})
        assert "secure" in attributes(set_cookie(response))


def test_a_wrong_or_missing_token_is_refused_with_a_message_and_sets_nothing(backing: dict[str, Any]) -> None:
    with browser(backing) as client:
        wrong = client.post("/api/v1/session", json={"token": "not-the-token-0123456789"})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        assert "not accepted" in wrong.json()["detail"]
        assert "set-cookie" not in wrong.headers
        assert client.post("/api/v1/session", json={}).status_code == 422
        assert client.post("/api/v1/session", json={"token": ""}).status_code == 422
        assert client.get("/api/v1/session").status_code == 401
        assert not client.cookies


def test_an_expired_or_altered_session_is_refused(backing: dict[str, Any]) -> None:
    signer = SessionSigner([TOKEN, OTHER_TOKEN], ttl_s=60)
    expired, _ = signer.issue(token_id(TOKEN), now=time.time() - 61)
    fresh, _ = signer.issue(token_id(TOKEN))
    ident, exp, sig = fresh.split(".")
    altered = [f"{ident}.{int(exp) + 3600}.{sig}", f"{token_id(OTHER_TOKEN)}.{exp}.{sig}", f"{ident}.{exp}", "x"]
    with browser(backing) as client:
        client.cookies.set(SESSION_COOKIE, fresh)
        assert client.get("/api/v1/tasks").status_code == 200  # the same tokens sign the same way
        for value in [expired, *altered]:
            client.cookies.set(SESSION_COOKIE, value)
            refused = client.get("/api/v1/tasks")
            assert refused.status_code == 401, value
            assert "sign in again" in refused.json()["detail"]


def test_restarting_with_other_tokens_revokes_every_session(backing: dict[str, Any]) -> None:
    with browser(backing) as client:
        client.post("/api/v1/session", json={"token": TOKEN}).raise_for_status()
        cookie = client.cookies[SESSION_COOKIE]
    with browser(backing) as restarted:  # same tokens: still signed in
        restarted.cookies.set(SESSION_COOKIE, cookie)
        assert restarted.get("/api/v1/tasks").status_code == 200
    with browser(backing, api_tokens=[OTHER_TOKEN]) as rotated:  # TOKEN removed: its session is void
        rotated.cookies.set(SESSION_COOKIE, cookie)
        assert rotated.get("/api/v1/tasks").status_code == 401
    with browser(backing, api_tokens=[TOKEN, "a-third-token-0123456789"]) as changed:  # any change of the set
        changed.cookies.set(SESSION_COOKIE, cookie)
        assert changed.get("/api/v1/tasks").status_code == 401


def test_sign_out_clears_the_cookie(backing: dict[str, Any]) -> None:
    with browser(backing) as client:
        client.post("/api/v1/session", json={"token": TOKEN}).raise_for_status()
        assert client.get("/api/v1/videos").status_code == 200
        out = client.delete("/api/v1/session")
        assert out.status_code == 204
        attrs = attributes(set_cookie(out))
        assert attrs["max-age"] == "0" and "httponly" in attrs and attrs["samesite"].lower() == "strict"
        assert SESSION_COOKIE not in client.cookies
        assert client.get("/api/v1/videos").status_code == 401


def test_a_session_opens_media_links_for_the_player(backing: dict[str, Any]) -> None:
    """<video> and <track> send the cookie, not a header: media routes accept the session too."""
    with browser(backing) as client:
        missing = "/api/v1/videos/00000000-0000-0000-0000-000000000000/captions.vtt"
        assert client.get(missing).status_code == 401
        client.post("/api/v1/session", json={"token": TOKEN}).raise_for_status()
        assert client.get(missing).status_code == 404  # past auth: the video does not exist


# ------------------------------------------------------------------------------ serving the UI


@pytest.fixture
def built_ui(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><title>Framewise</title><script src="/assets/app-1a2b.js">')
    (dist / "assets" / "app-1a2b.js").write_text("console.log('framewise')")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return dist


@pytest.fixture
def served(backing: dict[str, Any], built_ui: Path) -> Iterator[TestClient]:
    with browser(backing, ui_dir=built_ui) as client:
        yield client


def test_the_ui_is_served_at_the_root_with_client_routes_falling_back_to_the_page(served: TestClient) -> None:
    video = "/videos/0f8fad5b-d9cb-469f-a165-70867728950e"
    for path in ("/", "/library", video, f"{video}?q=lazy&t=4.200", "/search?q=lazy&types=scene", "/work"):
        page = served.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html") and "<title>Framewise" in page.text
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    asset = served.get("/assets/app-1a2b.js")
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert served.get("/favicon.svg").status_code == 200
    for missing in (
        "/assets/gone-0000.js",
        "/gone.js",
        "/assets/../index.html",
        "/videos/1234",
        "/elsewhere",
        "/infer/ocr",
    ):
        assert served.get(missing).status_code == 404, missing


def test_the_ui_never_shadows_the_api(served: TestClient) -> None:
    for path in ("/api/v1/nothing-here", "/api/v1/tasks/", "/api", "/metrics/x", "/docs/x", "/healthz/x"):
        answer = served.get(path, headers=AUTH)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
    assert served.get("/healthz").json() == {"status": "ok"}
    assert served.get("/openapi.json").json()["info"]["title"] == "Framewise API"
    assert served.get("/docs").status_code == 200
    assert "# HELP" in served.get("/metrics").text
    # The method rules of API routes are unchanged: a GET on a POST-only route is still 405.
    assert served.get("/api/v1/paths/discover", headers=AUTH).status_code == 405
    assert served.post("/library").status_code == 405


def test_without_a_build_the_api_runs_alone(backing: dict[str, Any], tmp_path: Path) -> None:
    with browser(backing, ui_dir=tmp_path / "nothing") as client:
        assert client.get("/").status_code == 404
        assert client.get("/healthz").status_code == 200


def test_sign_ins_are_limited_per_client_address_and_a_refused_one_sets_nothing(backing: dict[str, Any]) -> None:
    with browser(backing, rate_limit_sign_in=3) as client:
        assert client.post("/api/v1/session", json={"token": "wrong-token-0123456789"}).status_code == 401
        assert client.post("/api/v1/session", json={"token": "another-wrong-token-0123"}).status_code == 401
        assert client.post("/api/v1/session", json={"token": TOKEN}).status_code == 200  # right or wrong, each counts
        client.cookies.clear()
        refused = client.post("/api/v1/session", json={"token": TOKEN})
        assert refused.status_code == 429, refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "per client address" in refused.json()["detail"]
        assert not [v for k, v in refused.headers.multi_items() if k == "set-cookie"]  # no session for it
        assert client.get("/api/v1/tasks").status_code == 401
        assert client.get("/api/v1/tasks", headers=AUTH).status_code == 200  # bearer tokens are not limited by it
