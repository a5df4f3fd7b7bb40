"""The web UI: the built single-page app (ui/dist) served at `/`. Its client routes (`/`, `/library`,
`/search`, `/work`, `/videos/{id}`, `/people`, `/people/{id}`, `/speakers`, `/speakers/{id}`) answer
index.html, its hashed assets are served under `/assets`; nothing else is matched, so the API's own
paths (`/api`, the docs, health, metrics) and any unknown path keep their answers (a 404 problem
document) exactly as without the UI."""

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from framewise_api.security import SESSION_COOKIE
from framewise_api.settings import ApiSettings

log = structlog.get_logger("framewise.api")

REPO_UI_DIST = Path(__file__).resolve().parents[3] / "ui" / "dist"
CLIENT_ROUTES = re.compile(r"/(library|search|work|people|speakers|(videos|people|speakers)/[0-9A-Fa-f-]{36})?")
# The page loads only its own files (and runs only the inline scripts of its own index.html, each allowed by
# its hash) and talks only to its own origin.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'{inline}; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HTML_TAG = re.compile(rb"<html\b", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def page_policy(html: str) -> str:
    """The page's Content-Security-Policy: PAGE_POLICY allowing each inline script of `html` by its sha256
    (the built page's own, never any other: no 'unsafe-inline')."""
    hashes = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in INLINE_SCRIPT.findall(html)]
    return PAGE_POLICY.format(inline="".join(f" 'sha256-{h}'" for h in hashes))


class IndexPage:
    """The built index.html with its policy, read again when the build changes it (so the hashes allow
    exactly the scripts of the page served). For a request with a session cookie the page's root element
    says so (`data-session`): its inline script asks the library's first reads only then."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: tuple[int, int] | None = None
        self.html, self.with_session, self.policy = b"", b"", ""

    def current(self, *, session: bool = False) -> tuple[bytes, str]:
        """(the page, its Content-Security-Policy); `session`: the request came with a session cookie."""
        stat = self.path.stat()
        if (stat.st_mtime_ns, stat.st_size) != self.seen:
            html = self.path.read_bytes()
            self.html, self.policy = html, page_policy(html.decode("utf-8"))
            self.with_session = HTML_TAG.sub(rb"<html data-session", html, count=1)
            self.seen = (stat.st_mtime_ns, stat.st_size)
        return (self.with_session if session else self.html), self.policy


class HashedAssets(StaticFiles):
    """Vite's assets carry a content hash in their names: cache them for good."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


class PageRoute(Route):
    """`GET` of the app's client routes and of the build's top-level files (favicon and the like);
    it does not even match any other path, so those keep their 404 and 405 answers."""

    def __init__(self, top_files: frozenset[str], endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        super().__init__("/{path:path}", endpoint, methods=["GET", "HEAD"], include_in_schema=False)
        self.top_files = top_files

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = str(scope.get("path", ""))
        if CLIENT_ROUTES.fullmatch(path) or path.lstrip("/") in self.top_files:
            return super().matches(scope)
        return Match.NONE, {}


def ui_folder(settings: ApiSettings) -> Path | None:
    """UI_DIR when set, else the repository's ui/dist; None when there is no built index.html."""
    folder = settings.ui_dir if settings.ui_dir is not None else REPO_UI_DIST
    return folder if (folder / "index.html").is_file() else None


def install(app: FastAPI, settings: ApiSettings) -> None:
    """Serve the UI when it is built; without it the API runs alone (and says so once)."""
    folder = ui_folder(settings)
    if folder is None:
        log.info("ui_not_served", ui_dir=str(settings.ui_dir or REPO_UI_DIST), reason="no index.html")
        return
    folder = folder.resolve()
    top_files = frozenset(p.name for p in folder.iterdir() if p.is_file() and p.name != "index.html")
    if (folder / "assets").is_dir():
        app.mount("/assets", HashedAssets(directory=folder / "assets"), name="ui-assets")
    index = IndexPage(folder / "index.html")

    async def page(request: Request) -> Response:
        path = str(request.path_params["path"])
        if path in top_files:
            return FileResponse(folder / path, headers={"Cache-Control": "public, max-age=3600"})
        html, policy = index.current(session=SESSION_COOKIE in request.cookies)
        headers = {"Content-Security-Policy": policy, "Cache-Control": "no-cache"}
        return Response(html, media_type="text/html", headers=headers)

    app.router.routes.append(PageRoute(top_files, page))
