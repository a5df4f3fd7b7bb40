"""The web UI's session cookie and the serving of its built files, through the real app on real
PostgreSQL and Valkey: the cookie's attributes as a browser reads them, server-side sessions that
sign-out and revocation end at once (media links included), writes only from the UI's own origin,
and pages that never shadow the API's own paths."""

import asyncio
import http.cookiejar
import shutil
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.domain.session import Session, new_secret
from framewise.infrastructure.valkey.session_store import ValkeySessionStore
from framewise_api.security import SESSION_COOKIE, token_id
from tests.api import AUTH, OTHER_TOKEN, TOKEN, api_app
from tests.served import Served

pytestmark = pytest.mark.integration

OWN_ORIGIN = {"Origin": "http://testserver"}  # what a browser sends with the UI's fetch (POST, PUT, DELETE)
OTHER_AUTH = {"Authorization": f"Bearer {OTHER_TOKEN}"}


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


def sign_in(client: TestClient, token: str = TOKEN) -> str:
    """Sign in; the session's id."""
    answer = client.post("/api/v1/session", json={"token": token})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["session_id"])


def test_a_token_opens_an_httponly_strict_expiring_session_that_authorises_the_api(backing: dict[str, Any]) -> None:
    with browser(backing, session_ttl_s=3600) as client:
        assert client.get("/api/v1/tasks").status_code == 401
        before = time.time()
        signed_in = client.post("/api/v1/session", json={"token": TOKEN})
        after = time.time()
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["token_id"] == token_id(TOKEN)
        header = set_cookie(signed_in)
        assert header.startswith(f"{SESSION_COOKIE}=")
        assert TOKEN not in header and token_id(TOKEN) not in header  # a random secret: names nothing
        attrs = attributes(header)
        assert "httponly" in attrs and attrs["samesite"].lower() == "strict" and attrs["path"] == "/"
        assert attrs["max-age"] == "3600" and "expires" in attrs
        assert "secure" not in attrs  # plain http: a Secure cookie would never come back
        assert signed_in.headers["cache-control"] == "no-store"

        tasks = client.get("/api/v1/tasks")  # the cookie alone
        assert tasks.status_code == 200 and tasks.json()["total"] == 0
        assert tasks.headers["cache-control"] == "no-store"  # cookie-authenticated answers are not cached
        me = client.get("/api/v1/session").json()
        assert me["token_id"] == token_id(TOKEN) and me["session_id"] == signed_in.json()["session_id"]
        assert int(before) + 3600 <= _epoch(me["expires_at"]) <= after + 3600  # opened within the request
        # Bearer tokens keep working beside it, and a wrong bearer is not rescued by the cookie.
        assert client.get("/api/v1/tasks", headers=AUTH).status_code == 200
        assert (
            client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        )


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_a_browser_reads_the_cookie_as_expiring_after_the_ttl_not_in_2083(backing: dict[str, Any]) -> None:
    """Finding 4: Expires carried the absolute expiry where seconds from now were expected."""
    with Served(api_app(**backing, session_ttl_s=3600)) as served:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        request = urllib.request.Request(
            f"{served.url}/api/v1/session",
            data=f'{{"token": "{TOKEN}"}}'.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        before = time.time()
        with opener.open(request) as answer:
            assert answer.status == 200
            raw = answer.headers.get_all("Set-Cookie")
        after = time.time()
        (cookie,) = list(jar)
        assert cookie.name == SESSION_COOKIE and cookie.path == "/" and not cookie.secure
        # Expires is in whole seconds: the session was opened between `before` and `after`.
        assert cookie.expires is not None and int(before) + 3600 <= cookie.expires <= after + 3600, cookie.expires
        assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite") == "strict"
        (header,) = raw
        attrs = attributes(header)
        assert attrs["max-age"] == "3600"
        expires = datetime.strptime(attrs["expires"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
        assert int(before) + 3600 <= expires.timestamp() <= after + 3600
        # The cookie the jar keeps is sent back, as a browser would.
        with opener.open(f"{served.url}/api/v1/session") as me:
            assert me.status == 200


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


async def test_an_unknown_altered_or_expired_session_is_refused(backing: dict[str, Any], redis: Redis) -> None:
    store = ValkeySessionStore(redis)
    short_lived = new_secret()
    now = datetime.now(UTC)
    await store.add(Session.open(short_lived, token_id(TOKEN), now - timedelta(hours=1), 3600 + 1))
    with browser(backing) as client:
        sign_in(client)
        good = client.cookies[SESSION_COOKIE]
        for value in [new_secret(), good[:-1] + ("A" if good[-1] != "A" else "B"), good + "x", "x", ""]:
            client.cookies.clear()  # one cookie only: the jar keeps the server's beside one set here
            client.cookies.set(SESSION_COOKIE, value)
            refused = client.get("/api/v1/tasks")
            assert refused.status_code == 401, value
            assert "sign in again" in refused.json()["detail"]
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, short_lived)
        for _ in range(200):  # Valkey drops the session at its expiry, by itself
            if client.get("/api/v1/tasks").status_code == 401:
                break
            await asyncio.sleep(0.05)
        assert client.get("/api/v1/tasks").status_code == 401
        assert await redis.keys("session:id:*") != []  # the other session is still there
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, good)
        assert client.get("/api/v1/tasks").status_code == 200


def test_removing_a_token_ends_its_sessions_and_a_restart_keeps_the_others(backing: dict[str, Any]) -> None:
    with browser(backing) as client:
        sign_in(client)
        cookie = client.cookies[SESSION_COOKIE]
    with browser(backing) as restarted:  # sessions live in Valkey: a restart keeps them
        restarted.cookies.set(SESSION_COOKIE, cookie)
        assert restarted.get("/api/v1/tasks").status_code == 200
    with browser(backing, api_tokens=[OTHER_TOKEN]) as rotated:  # TOKEN removed: its session is void
        rotated.cookies.set(SESSION_COOKIE, cookie)
        assert rotated.get("/api/v1/tasks").status_code == 401
    with browser(backing, api_tokens=[TOKEN, "a-third-token-0123456789"]) as added:  # another token added
        added.cookies.set(SESSION_COOKIE, cookie)
        assert added.get("/api/v1/tasks").status_code == 200


def test_sign_out_ends_the_session_even_for_a_copy_of_the_cookie(backing: dict[str, Any]) -> None:
    """Finding 1: after sign-out, the old cookie read the library for its full 12 hours."""
    with browser(backing) as client:
        sign_in(client)
        copied = client.cookies[SESSION_COOKIE]
        assert client.get("/api/v1/videos").status_code == 200
        out = client.delete("/api/v1/session", headers=OWN_ORIGIN)
        assert out.status_code == 204
        attrs = attributes(set_cookie(out))
        assert attrs["max-age"] == "0" and "httponly" in attrs and attrs["samesite"].lower() == "strict"
        assert SESSION_COOKIE not in client.cookies
        assert client.get("/api/v1/videos").status_code == 401
        client.cookies.set(SESSION_COOKIE, copied)  # the same cookie, kept elsewhere
        refused = client.get("/api/v1/videos")
        assert refused.status_code == 401 and "sign in again" in refused.json()["detail"]
        assert client.delete("/api/v1/session", headers=OWN_ORIGIN).status_code == 204  # and again: still 204


def test_each_sign_in_is_its_own_session_listed_and_revocable_per_token(backing: dict[str, Any]) -> None:
    with browser(backing) as client:
        browsers: dict[str, str] = {}  # each browser's cookie, one client playing them in turn
        ids: dict[str, str] = {}
        for name, token in (("laptop", TOKEN), ("phone", TOKEN), ("other", OTHER_TOKEN)):
            client.cookies.clear()
            ids[name] = sign_in(client, token)
            browsers[name] = client.cookies[SESSION_COOKIE]

        def as_(name: str) -> TestClient:
            client.cookies.clear()
            client.cookies.set(SESSION_COOKIE, browsers[name])
            return client

        first, second = ids["laptop"], ids["phone"]
        assert first != second and browsers["laptop"] != browsers["phone"]
        listed = as_("laptop").get("/api/v1/sessions").json()["items"]
        assert [(s["id"], s["current"]) for s in listed] == [(first, True), (second, False)]
        client.cookies.clear()
        by_bearer = client.get("/api/v1/sessions", headers=AUTH).json()["items"]
        assert [s["id"] for s in by_bearer] == [first, second] and not any(s["current"] for s in by_bearer)
        assert [s["id"] for s in client.get("/api/v1/sessions", headers=OTHER_AUTH).json()["items"]] == [ids["other"]]

        # Another token's session is not this token's to end: 404, and it goes on.
        assert client.delete(f"/api/v1/sessions/{first}", headers=OTHER_AUTH).status_code == 404
        assert client.delete("/api/v1/sessions/not-an-id", headers=AUTH).status_code == 422
        assert as_("phone").delete(f"/api/v1/sessions/{first}", headers=OWN_ORIGIN).status_code == 204
        assert as_("laptop").get("/api/v1/videos").status_code == 401  # ended at once
        assert as_("phone").get("/api/v1/videos").status_code == 200  # the other goes on
        assert as_("phone").delete(f"/api/v1/sessions/{first}", headers=OWN_ORIGIN).status_code == 404

        client.cookies.clear()
        sign_in(client)
        browsers["laptop"] = client.cookies[SESSION_COOKIE]
        client.cookies.clear()
        everything = client.delete("/api/v1/sessions", headers=AUTH)
        assert everything.status_code == 200 and everything.json() == {"revoked": 2}
        assert as_("laptop").get("/api/v1/videos").status_code == 401
        assert as_("phone").get("/api/v1/videos").status_code == 401
        assert as_("other").get("/api/v1/videos").status_code == 200  # another token's sessions are untouched
        client.cookies.clear()
        assert client.get("/api/v1/sessions", headers=AUTH).json()["items"] == []


def test_two_sign_ins_in_the_same_second_get_different_cookies(backing: dict[str, Any]) -> None:
    with browser(backing) as client:
        cookies = set()
        for _ in range(5):
            sign_in(client)
            cookies.add(client.cookies[SESSION_COOKIE])
            client.cookies.clear()
        assert len(cookies) == 5


BODYLESS_WRITES = [
    ("POST", "/api/v1/paths/discover"),
    ("POST", "/api/v1/system/models/reload"),
    ("POST", "/api/v1/tasks/00000000-0000-4000-8000-000000000000/cancel"),
    ("POST", "/api/v1/tasks/00000000-0000-4000-8000-000000000000/retry"),
    ("POST", "/api/v1/tasks/00000000-0000-4000-8000-000000000000/enqueue"),
    ("DELETE", "/api/v1/videos/00000000-0000-4000-8000-000000000000"),
    ("DELETE", "/api/v1/sessions"),
    ("DELETE", "/api/v1/session"),
]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "http://127.0.0.1:18999"}, id="same-host-other-port"),
        pytest.param({"Origin": "http://evil.example"}, id="other-site"),
        pytest.param({"Origin": "null"}, id="opaque-origin"),
        pytest.param({"Origin": "https://testserver"}, id="other-scheme"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, id="fetch-metadata-same-site"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="fetch-metadata-cross-site"),
        pytest.param({}, id="says-nothing"),
    ],
)
def test_a_write_with_the_cookie_from_another_origin_is_refused_and_does_nothing(
    backing: dict[str, Any], sample_video: Any, headers: dict[str, str]
) -> None:
    """Finding 2: a page on http://127.0.0.1:18999 auto-submitting a form to POST /paths/discover got 200."""
    shutil.copy(sample_video.path, backing["media_root"] / "clip.mp4")
    with browser(backing) as client:
        sign_in(client)
        for method, url in BODYLESS_WRITES:
            refused = client.request(method, url, headers=headers)
            assert refused.status_code == 403, (method, url, refused.text)
            assert "own origin" in refused.json()["detail"]
        form = client.post(
            "/api/v1/paths/discover",
            content=b"",
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code == 403
        assert client.get("/api/v1/videos").json()["total"] == 0  # nothing was discovered
        assert client.get("/api/v1/session").status_code == 200  # and the session was not ended


def test_writes_from_the_uis_own_origin_and_by_bearer_token_go_through(
    backing: dict[str, Any], sample_video: Any
) -> None:
    shutil.copy(sample_video.path, backing["media_root"] / "clip.mp4")
    with browser(backing) as client:
        sign_in(client)
        assert client.post("/api/v1/paths/discover", headers=OWN_ORIGIN).status_code == 200
        fetch_metadata = {"Sec-Fetch-Site": "same-origin"}  # a browser that sends no Origin
        assert client.post("/api/v1/paths/discover", headers=fetch_metadata).status_code == 200
        assert client.get("/api/v1/videos").json()["total"] == 1  # reads need no origin
        client.cookies.clear()
        assert client.post("/api/v1/paths/discover", headers=AUTH).status_code == 200  # programs: unaffected
        assert (
            client.post("/api/v1/paths/discover", headers={**AUTH, "Origin": "http://evil.example"}).status_code == 200
        )


def test_a_session_opens_media_for_the_player(backing: dict[str, Any]) -> None:
    """<video> and <track> send the cookie, not a header: media routes accept the session too."""
    with browser(backing) as client:
        missing = "/api/v1/videos/00000000-0000-0000-0000-000000000000/captions.vtt"
        assert client.get(missing).status_code == 401
        sign_in(client)
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
    person = "/people/6a0f3c2e-9b1d-4e7a-8c5f-2d3b4a6e8f10"
    speaker = "/speakers/3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60"
    pages = ("/", "/library", video, f"{video}?q=lazy&t=4.200", "/search?q=lazy&types=scene", "/work", "/people")
    for path in (*pages, "/people?q=ada&offset=48", person, "/speakers", "/speakers?q=ada", speaker):
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
        "/speakers/1234",
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
