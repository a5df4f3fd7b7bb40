"""The API's front door on the real stores: an unknown query parameter is a 422 on every operation,
every route under an unknown video is a 404, a no-op enqueue changes nothing, and the docs load
nothing from outside the API."""

import re
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_api.media_auth import MediaSigner
from framewise_dev.media import SampleVideo

pytestmark = pytest.mark.integration


@pytest.fixture
def discovered(client: TestClient, media_root: Path, sample_video: SampleVideo) -> dict[str, Any]:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    found = client.post("/api/v1/paths/discover", headers={"X-Correlation-ID": "discovery-request"})
    assert found.json()["tasks_created"] == 6
    (video,) = client.get("/api/v1/videos").json()["items"]
    return {"video": video, "tasks": client.get(f"/api/v1/videos/{video['id']}/tasks").json()["items"]}


def operations(client: TestClient) -> list[tuple[str, str]]:
    """Every documented operation of the app as it is now: (method, path template)."""
    document = client.get("/openapi.json").json()
    return [(method, path) for path, item in document["paths"].items() for method in item]


class Anonymous:
    """The same client (so the same event loop as the app's connections) without the bearer token:
    what a browser sends."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def get(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return self._client.get(url, headers={"Authorization": "", **(headers or {})})


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.request.method, response.request.url, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_an_unknown_query_parameter_is_a_422_naming_it_on_every_operation(
    client: TestClient, discovered: dict[str, Any]
) -> None:
    ids = {"video_id": discovered["video"]["id"], "task_id": discovered["tasks"][0]["id"]}
    checked = 0
    for method, template in operations(client):
        url = re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), str(uuid4())), template)
        answer = client.request(method, url, params={"colour": "red", "statuss": "FAILED"})
        body = assert_problem(answer, 422)
        assert [e["loc"] for e in body["errors"]] == [["query", "colour"], ["query", "statuss"]], (method, url)
        assert all(e["type"] == "extra_forbidden" for e in body["errors"])
        checked += 1
    assert checked >= 20
    # Nothing was done meanwhile: the library is as discovery left it.
    assert client.get("/api/v1/tasks").json()["total"] == 6
    assert {t["attempt"] for t in client.get("/api/v1/tasks").json()["items"]} == {1}


def test_declared_parameters_still_pass_signed_links_and_repeated_filters_included(
    client: TestClient, discovered: dict[str, Any]
) -> None:
    video_id = discovered["video"]["id"]
    signer: MediaSigner = client.app.state.media_signer  # type: ignore[attr-defined]
    anonymous = Anonymous(client)  # no bearer token: the signature is the credential
    signed = signer.query("stream", UUID(video_id))
    stream = anonymous.get(f"/api/v1/videos/{video_id}/stream?{signed}", headers={"Range": "bytes=0-99"})
    assert stream.status_code == 206 and len(stream.content) == 100
    signed = signer.query("thumbnail", UUID(video_id))
    still = anonymous.get(f"/api/v1/videos/{video_id}/thumbnail?t_ms=1000&width=160&{signed}")
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    signed = signer.query("chapters", UUID(video_id))
    assert anonymous.get(f"/api/v1/videos/{video_id}/chapters.vtt?{signed}").status_code == 200
    body = assert_problem(anonymous.get(f"/api/v1/videos/{video_id}/chapters.vtt?{signed}&download=1"), 422)
    assert [e["loc"] for e in body["errors"]] == [["query", "download"]]

    near = client.get("/api/v1/search", params=[("q", "scene"), ("near", "object:cat"), ("near", "face:face")])
    assert near.status_code == 200, near.text
    paged = client.get("/api/v1/tasks", params={"status": "PENDING", "limit": 2, "offset": 1, "order": "asc"})
    assert paged.status_code == 200 and len(paged.json()["items"]) == 2


def test_every_route_under_an_unknown_video_is_a_404(client: TestClient, discovered: dict[str, Any]) -> None:
    unknown = str(uuid4())
    under_a_video = [(m, p) for m, p in operations(client) if p.startswith("/api/v1/videos/{video_id}")]
    assert len(under_a_video) >= 8
    for method, template in under_a_video:
        url = template.replace("{video_id}", unknown)
        body = assert_problem(client.request(method, url), 404)
        assert body["detail"] == f"video {unknown} not found", (method, url)
    known = discovered["video"]["id"]
    assert client.get(f"/api/v1/videos/{known}/tasks").json()["total"] == 6
    assert client.get(f"/api/v1/videos/{known}/artifacts").json()["total"] == 0  # known, nothing yet: 200
    assert_problem(client.get("/api/v1/videos/not-a-uuid/tasks"), 422)


async def test_enqueueing_a_queued_attempt_again_changes_nothing(
    client: TestClient, discovered: dict[str, Any], engine: AsyncEngine, redis: Redis
) -> None:
    task = next(t for t in discovered["tasks"] if t["task_type"] == "ocr")
    job_key = f"arq:job:{task['job_id']}"

    async def stored() -> tuple[Any, ...]:
        async with engine.connect() as connection:
            row = (await connection.execute(text("SELECT * FROM tasks WHERE id = :id"), {"id": task["id"]})).one()
        return (tuple(row), await redis.get(job_key))

    before = await stored()
    assert before[1] is not None
    again = client.post(f"/api/v1/tasks/{task['id']}/enqueue", headers={"X-Correlation-ID": "a-later-request"})
    assert again.status_code == 202 and again.json()["created"] is False
    assert await stored() == before
    assert client.get(f"/api/v1/tasks/{task['id']}").json()["correlation_id"] == task["correlation_id"]
    assert task["correlation_id"] == "discovery-request"


def test_the_docs_load_only_what_the_api_serves(client: TestClient) -> None:
    anonymous = Anonymous(client)  # the docs need no token
    expected = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for page in ("/docs", "/redoc"):
        html = anonymous.get(page)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in html.headers["content-security-policy"]
        assert "http" not in html.headers["content-security-policy"]
        urls = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', html.text) + re.findall(
            r"url: ['\"]([^'\"]+)['\"]", html.text
        )
        assert not [u for u in urls if "//" in u], urls  # no other host, no CDN
        assets = [u for u in urls if Path(u).suffix in expected]
        assert any(u.endswith(".js") for u in assets), urls
        for url in assets:
            answer = anonymous.get(url)
            assert answer.status_code == 200, url
            assert expected[Path(url).suffix] in answer.headers["content-type"], (url, answer.headers["content-type"])
            assert len(answer.content) > 1000, url
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.get("/docs/oauth2-redirect").status_code == 200
