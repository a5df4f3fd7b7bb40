"""The README's picture of the People page: the built UI in Debian's chromium, its API answered from
here with people on real photographs (face_recognition's test photographs in .cache/test-photos, `make
install` fetches them; scikit-image's astronaut), two of them selected for a merge.

    .venv/bin/python -m tests.ui.shoot_people [docs/screenshots/people.png]

Not a test (the browser tests take the People page through the real API); only the picture."""

import io
import json
import shutil
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from PIL import Image
from playwright.sync_api import Route, sync_playwright
from skimage import data

from framewise_dev.photos import photo_path
from framewise_dev.ui_build import UI_DIR, build_ui

ROOT = Path(__file__).resolve().parents[2]

# (name, faces, videos, still, the face's box in it); each still stands for a video of its own.
PEOPLE: list[tuple[str | None, int, int, str, tuple[float, float, float, float]]] = [
    ("Barack Obama", 9, 3, "obama", (355, 71, 625, 384)),
    ("Joe Biden", 4, 2, "biden", (397, 154, 716, 551)),
    ("Eileen Collins", 3, 1, "astronaut", (180, 60, 270, 175)),
    (None, 2, 1, "obama2", (195, 195, 495, 555)),
    (None, 1, 1, "obama_partial_face2", (341, 57, 549, 384)),
]


def uid(prefix: int, n: int) -> str:
    return f"{prefix:08x}-0000-4000-8000-{n:012x}"


def stills() -> dict[str, bytes]:
    """Each person's still as JPEG."""
    out: dict[str, bytes] = {}
    for _, _, _, still, _ in PEOPLE:
        if still == "astronaut":
            buffer = io.BytesIO()
            Image.fromarray(data.astronaut()).save(buffer, "JPEG", quality=88)
            out[still] = buffer.getvalue()
        else:
            out[still] = photo_path(still).read_bytes()
    return out


class Dist(SimpleHTTPRequestHandler):
    """ui/dist, with index.html for every address that is no file (the app's routes)."""

    def send_head(self) -> Any:
        if not (Path(self.directory) / self.path.lstrip("/").split("?")[0]).is_file():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, *_: Any) -> None:
        pass


def answer(route: Route, jpegs: dict[str, bytes], sizes: dict[str, tuple[int, int]]) -> None:
    url = urlparse(route.request.url)
    path = url.path
    people = [
        {
            "id": uid(1, i),
            "name": name,
            "faces": faces,
            "videos": videos,
            "thumbnail_url": f"/api/v1/videos/{uid(2, i)}/thumbnail?t_ms=1000&width=320",
            "thumbnail_box": dict(zip(("x1", "y1", "x2", "y2"), box, strict=True)),
        }
        for i, (name, faces, videos, _, box) in enumerate(PEOPLE)
    ]
    if path == "/api/v1/session":
        body: Any = {"token_id": "readme", "session_id": "readme", "expires_at": "2027-01-01T00:00:00Z"}
    elif path == "/api/v1/persons":
        q = (parse_qs(url.query).get("q") or [""])[0].lower()
        items = [p for p in people if str(p["name"] or "").lower().startswith(q)]
        body = {"items": items, "total": len(items), "limit": 48, "offset": 0}
    elif path.endswith("/thumbnail"):
        i = next(i for i in range(len(PEOPLE)) if uid(2, i) in path)
        route.fulfill(status=200, content_type="image/jpeg", body=jpegs[PEOPLE[i][3]])
        return
    elif path.startswith("/api/v1/videos/"):
        i = next(i for i in range(len(PEOPLE)) if uid(2, i) in path)
        width, height = sizes[PEOPLE[i][3]]
        body = {"id": uid(2, i), "width": width, "height": height}
    else:
        route.fulfill(status=404, content_type="application/problem+json", body='{"title": "Not Found"}')
        return
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


def shoot(target: Path) -> None:
    build_ui()
    jpegs = stills()
    sizes = {name: Image.open(io.BytesIO(jpeg)).size for name, jpeg in jpegs.items()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Dist, directory=str(UI_DIR / "dist")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"))
            page = browser.new_page(
                base_url=f"http://127.0.0.1:{server.server_address[1]}", viewport={"width": 1100, "height": 640}
            )
            page.route("**/api/v1/**", lambda route: answer(route, jpegs, sizes))
            page.goto("/people")
            page.locator("li.person").nth(len(PEOPLE) - 1).wait_for()
            page.locator("li.person").nth(0).get_by_role("checkbox").check()
            page.locator("li.person").nth(3).get_by_role("checkbox").check()
            page.mouse.move(0, 0)
            page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    shoot(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "people.png")
