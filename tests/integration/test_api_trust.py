"""Trust at the API's edge, through the real app on real stores: a client that drops mid-upload is
logged as gone (499), not as a failure; a broken upload folder is a problem document, never a 500;
messages name no server paths; security headers, no banner, no Host-derived redirect, bounded
request heads; moving-window rate limits that do not count refusals; discovery is limited too.
Tests that need real connections serve the app with uvicorn on loopback, as the service runs."""

import asyncio
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.api import AUTH, api_app, api_client, drive_rate_limits
from tests.integration.test_api_security import assert_nothing_stored, assert_problem, files_in, upload
from tests.served import Served

pytestmark = pytest.mark.integration


@pytest.fixture
def video_bytes(sample_video: SampleVideo) -> bytes:
    return sample_video.path.read_bytes()


@pytest.fixture
def served(engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path) -> Iterator[Served]:
    with Served(api_app(database_url, valkey_url, media_root)) as running:
        yield running


def raw_request(port: int, head: bytes, body: bytes = b"", *, close_after: bool = False) -> bytes:
    """Send bytes on a fresh connection; read the answer unless told to hang up right away."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head + body)
        if close_after:
            conn.shutdown(socket.SHUT_RDWR)
            return b""
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def metric(text: str, route: str, status: str) -> float:
    pattern = (
        rf'framewise_http_requests_total{{method="POST",route="{re.escape(route)}",status="{status}"}} ([0-9.e+]+)'
    )
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


async def test_a_client_that_drops_mid_upload_is_a_499_and_leaves_nothing(
    served: Served,
    engine: AsyncEngine,
    redis: Redis,
    media_root: Path,
    video_bytes: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    probe = httpx.AsyncClient(base_url=served.url)
    before = (await probe.get("/metrics")).text
    head = (
        f"POST /api/v1/videos?filename=clip.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {AUTH['Authorization']}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(video_bytes)}\r\nX-Correlation-ID: dropped-upload\r\n\r\n"
    ).encode()
    raw_request(served.port, head, video_bytes[: len(video_bytes) // 2], close_after=True)

    route = "/api/v1/videos"
    for _ in range(600):  # wait on observable state: the request counted, whatever its status
        after = (await probe.get("/metrics")).text
        if metric(after, route, "499") > metric(before, route, "499"):
            break
        await asyncio.sleep(0.05)
    await probe.aclose()
    assert metric(after, route, "499") == metric(before, route, "499") + 1
    assert metric(after, route, "500") == metric(before, route, "500")
    logged = capsys.readouterr().out
    assert "client_disconnected" in logged and "unhandled_error" not in logged
    assert files_in(media_root) == [] or set(files_in(media_root)) <= {"uploads/.incoming"}
    assert not list((media_root / "uploads" / ".incoming").glob("*"))
    await assert_nothing_stored(engine, redis)


@pytest.mark.parametrize("breakage", ["dangling-link", "a-file"])
async def test_a_broken_staging_folder_is_a_503_problem_not_a_500(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    video_bytes: bytes,
    breakage: str,
) -> None:
    with api_client(database_url, valkey_url, media_root) as client:
        incoming = media_root / "uploads" / ".incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.parent.mkdir(exist_ok=True)
        if breakage == "dangling-link":
            incoming.symlink_to(media_root / "gone")
        else:
            incoming.write_text("not a folder")
        answer = upload(client, "clip.mp4", video_bytes, headers={"X-Correlation-ID": "broken-staging"})
    body = assert_problem(answer, 503)
    assert "upload folder is not usable" in body["detail"] and str(media_root) not in body["detail"]
    assert body["correlation_id"] == answer.headers["X-Correlation-ID"] == "broken-staging"
    await assert_nothing_stored(engine, redis)


async def test_a_rejected_upload_names_no_server_path(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> None:
    with api_client(database_url, valkey_url, media_root) as client:
        for content in (b"\x00" * 5000, b"not a video at all " * 100):
            body = assert_problem(upload(client, "x.mp4", content), 422)
            assert "not a readable video" in body["detail"]
            assert str(media_root) not in body["detail"] and ".incoming" not in body["detail"]
    await assert_nothing_stored(engine, redis)


@pytest.fixture
def client_app(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root) as client:
        yield client


def test_answers_carry_security_headers_and_no_cache_for_authenticated_json(client_app: TestClient) -> None:
    answer = client_app.get("/api/v1/tasks")
    assert answer.status_code == 200
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Frame-Options"] == "DENY" and answer.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    problem = client_app.get("/api/v1/tasks/not-a-uuid")
    assert problem.status_code == 422 and problem.headers["Cache-Control"] == "no-store"
    public = client_app.get("/healthz", headers={"Authorization": ""})
    assert public.headers["X-Content-Type-Options"] == "nosniff" and "Cache-Control" not in public.headers


def test_a_trailing_slash_is_a_404_never_a_redirect_built_from_the_host_header(client_app: TestClient) -> None:
    answer = client_app.get("/api/v1/tasks/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert answer.status_code == 404 and "Location" not in answer.headers
    assert answer.headers["content-type"] == "application/problem+json"


def test_no_server_banner_and_request_heads_are_bounded(served: Served) -> None:
    answer = httpx.get(f"{served.url}/healthz")
    assert answer.status_code == 200 and "server" not in answer.headers
    huge = f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {'a' * 20_000}\r\n\r\n".encode()
    status_line = raw_request(served.port, huge).split(b"\r\n", 1)[0]
    assert status_line.split()[1] in (b"400", b"431"), status_line
    assert httpx.get(f"{served.url}/healthz").status_code == 200  # and the server is fine


async def test_the_limit_is_a_moving_window_that_never_admits_twice_the_limit_at_a_boundary(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> None:
    window = 60
    with api_client(database_url, valkey_url, media_root, rate_limit_discover=3, rate_limit_window_s=window) as client:
        clock = drive_rate_limits(client)
        clock.now = (clock.now // window + 1) * window - 1.0  # one second before a fixed window's end
        assert [client.post("/api/v1/paths/discover").status_code for _ in range(3)] == [200, 200, 200]
        clock.advance(1.5)  # a fixed-window counter would start afresh here and admit three more
        refused = client.post("/api/v1/paths/discover")
        assert refused.status_code == 429  # the moving window still holds the three of a moment ago
        assert refused.headers["Retry-After"] == str(window - 1)  # when the first of them leaves the window
        clock.advance(window - 1.5 - 0.01)
        assert client.post("/api/v1/paths/discover").status_code == 429  # a hundredth of a second early
        clock.advance(0.02)
        assert client.post("/api/v1/paths/discover").status_code == 200  # the first three left together
        assert [client.post("/api/v1/paths/discover").status_code for _ in range(3)] == [200, 200, 429]


async def test_refused_requests_do_not_spend_the_budget(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> None:
    with api_client(database_url, valkey_url, media_root, rate_limit_discover=2, rate_limit_window_s=60) as client:
        clock = drive_rate_limits(client)
        assert [client.post("/api/v1/paths/discover").status_code for _ in range(2)] == [200, 200]
        for _ in range(5):
            clock.advance(10)
            assert client.post("/api/v1/paths/discover").status_code == 429
        clock.advance(10.5)  # the accepted two have left the window; the five refusals never entered it
        assert client.post("/api/v1/paths/discover").status_code == 200
        assert client.post("/api/v1/paths", json={"path": "."}).status_code == 200
        assert client.post("/api/v1/paths/discover").status_code == 429  # one folder counts as a scan too
