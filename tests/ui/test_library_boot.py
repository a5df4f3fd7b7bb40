"""The library's first reads, asked for by index.html's inline script while the app's code loads, in a real
browser (Debian's chromium through Playwright) under the page's own Content-Security-Policy (no bypass): the
script runs (allowed by its hash), the app takes its answers and asks none of them again; when they fail
(a 401, a 5xx) or nobody is signed in, the app asks itself and the library works as before. And the policy:
each inline script of the built page allowed by its sha256, read again when the build changes; the page
marked for a request with a session cookie."""

import base64
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_api.ui import IndexPage, page_policy
from framewise_dev.media import SampleVideo
from tests.e2e.processes import TOKEN, running_stack
from tests.tools import require_tool, requires

CHIPS = "ul.videos li.video ul.chips li.chip"
# Before any script of the page: the policy's refusals, and whether the inline script left its reads.
WATCH = """
window.__refused = [];
document.addEventListener('securitypolicyviolation', (e) => window.__refused.push(e.violatedDirective));
let early;
Object.defineProperty(window, '__framewiseEarly', {
  configurable: true,
  get() { return early; },
  set(value) { early = value; window.__earlyLeft = true; },
});
"""


def sha256_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_the_library_pages_policy_allows_each_inline_script_by_its_hash_read_again_on_a_new_build(
    tmp_path: Path,
) -> None:
    first, second = "window.a = 1;", "\n  window.b = [1, 2];\n"
    index = tmp_path / "index.html"
    index.write_text(f'<html lang="en"><script>{first}</script><script type="module" src="/assets/app.js"></script>')
    served = IndexPage(index)
    html, policy = served.current()
    assert html == index.read_bytes()
    with_session, same_policy = served.current(session=True)
    assert with_session == html.replace(b"<html ", b"<html data-session ") and same_policy == policy
    assert f"script-src 'self' {sha256_source(first)};" in policy
    assert "unsafe" not in policy and policy.count("sha256-") == 1  # the src script needs no hash
    index.write_text(f"<head><script>{second}</script><SCRIPT defer>{first}</SCRIPT></head>")
    _, rebuilt = served.current()
    assert f"script-src 'self' {sha256_source(second)} {sha256_source(first)};" in rebuilt
    assert page_policy("<p>no script</p>").startswith("default-src 'self'; script-src 'self'; style-src")


@pytest.fixture
def library(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
    ui_dist: Path,
) -> Iterator[tuple[Any, str]]:
    """The API alone (no workers: the video's six analyses wait) serving the built UI, one video
    discovered; yields (chromium, the API's url)."""
    chromium = require_tool("chromium")
    playwright = requires("playwright.sync_api", package="playwright")
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    with running_stack(
        tmp_path,
        database_url=database_url,
        valkey_url=valkey_url,
        media_root=media_root,
        model_cache=tmp_path,
        ml_url="http://127.0.0.1:9",
        workers={},
        env={"UI_DIR": str(ui_dist), "RATE_LIMIT_SIGN_IN": "0", "DISCOVERY_SETTLE_S": "0", "DISCOVERY_WATCH": "off"},
    ) as stack:
        with stack.api() as api:
            assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 6
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium)
            try:
                yield browser, stack.api_url
            finally:
                browser.close()


def open_library(browser: Any, url: str, *, signed_in: bool = True) -> tuple[Any, Any, list[str], list[str]]:
    """A new context (under the page's policy) at `/`: (context, page, the API paths it asked, its errors)."""
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
    context.add_init_script(WATCH)
    if signed_in:
        assert context.request.post("/api/v1/session", data={"token": TOKEN}).status == 200
    page = context.new_page()
    asked: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path) if "/api/v1/" in r.url else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, asked, errors


def library_shown(page: Any) -> None:
    """The video's card with its six chips, and the path field usable."""
    page.wait_for_function(f"() => document.querySelectorAll('{CHIPS}').length === 6")
    assert page.locator("ul.videos li.video h2").inner_text() == "clip.mp4"
    page.get_by_label("Path contains").fill("clip")


def test_the_library_takes_the_reads_its_page_asked_for_under_the_pages_policy(library: tuple[Any, str]) -> None:
    browser, url = library
    context, page, asked, errors = open_library(browser, url)
    try:
        answer = page.goto("/")
        assert answer is not None
        assert "'sha256-" in answer.headers["content-security-policy"]
        page.wait_for_function(f"() => document.querySelectorAll('{CHIPS}').length === 6")
        # The inline script ran under the policy and asked; the app took each answer and asked none again.
        reads = [p for p in asked if p in ("/api/v1/session", "/api/v1/videos", "/api/v1/tasks")]
        assert sorted(reads) == ["/api/v1/session", "/api/v1/tasks", "/api/v1/videos"], asked
        assert page.evaluate("() => window.__earlyLeft") is True
        assert page.evaluate("() => window.__refused") == []
        library_shown(page)
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(
    ("failing", "status", "asked_twice"),
    [("videos", 401, ["/api/v1/videos"]), ("tasks", 503, ["/api/v1/tasks"])],
)
def test_the_library_works_when_an_early_read_fails(
    library: tuple[Any, str], failing: str, status: int, asked_twice: list[str]
) -> None:
    """The inline script's page of videos is a 401 (so it asks no chips), or its chips a 503: the app asks
    again itself and shows the library (a 401 it did not see signs nobody out), and nothing fails."""
    browser, url = library
    context, page, asked, errors = open_library(browser, url)
    refused: list[str] = []

    def fail_first(route: Any) -> None:
        if refused:
            route.continue_()
        else:
            refused.append(urlsplit(route.request.url).path)
            route.fulfill(status=status, content_type="application/problem+json", body='{"title": "refused"}')

    try:
        page.route(f"**/api/v1/{failing}?*", fail_first)
        page.goto("/")
        library_shown(page)
        assert refused == [f"/api/v1/{failing}"]
        reads = ("/api/v1/session", "/api/v1/videos", "/api/v1/tasks")
        assert {p: asked.count(p) for p in reads} == {p: 2 if p in asked_twice else 1 for p in reads}, asked
        assert page.get_by_label("API token").count() == 0
        assert page.evaluate("() => window.__earlyLeft && window.__refused.length === 0") is True
        assert errors == []
    finally:
        context.close()


def test_the_library_signed_out_shows_the_sign_in_form_then_the_library(library: tuple[Any, str]) -> None:
    browser, url = library
    context, page, asked, errors = open_library(browser, url, signed_in=False)
    try:
        page.goto("/")
        token = page.get_by_label("API token")
        token.wait_for()
        token.fill(TOKEN)
        page.keyboard.press("Enter")
        library_shown(page)
        # No session cookie came with the page: the inline script asked nothing; the app asked (a 401),
        # then again once signed in.
        assert page.evaluate("() => window.__earlyLeft") is None
        assert asked.count("/api/v1/videos") == 2
        assert errors == []
    finally:
        context.close()
