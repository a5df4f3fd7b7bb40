"""The web UI: the built single-page app (ui/dist) served at `/`. Its client routes (`/`, `/library`,
`/search`, `/work`, `/videos/{id}`, `/people`, `/people/{id}`) answer index.html, its hashed assets
are served under `/assets`; nothing else is matched, so the API's own paths (`/api`, the docs,
health, metrics) and any unknown path keep their answers (a 404 problem document) exactly as
without the UI."""

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

from framewise_api.settings import ApiSettings

log = structlog.get_logger("framewise.api")

REPO_UI_DIST = Path(__file__).resolve().parents[3] / "ui" / "dist"
CLIENT_ROUTES = re.compile(r"/(library|search|work|people|(videos|people)/[0-9A-Fa-f-]{36})?")
# The page loads only its own files and talks only to its own origin.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


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
    index = folder / "index.html"

    async def page(request: Request) -> Response:
        path = str(request.path_params["path"])
        if path in top_files:
            return FileResponse(folder / path, headers={"Cache-Control": "public, max-age=3600"})
        headers = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache"}
        return FileResponse(index, media_type="text/html", headers=headers)

    app.router.routes.append(PageRoute(top_files, page))
