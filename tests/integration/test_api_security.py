"""Security of the API (docs/design/security.md) through the real app on real PostgreSQL and Valkey: bearer tokens,
path confinement of uploads and discovery, upload limits and content checks, per-token rate limits
and readiness. Every refusal is also checked for what it must not do: leave a file on disk, a row
in PostgreSQL or a job in Valkey."""

import base64
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.domain.errors import PathOutsideRoots
from framewise_api.security import token_id
from framewise_dev.media import SampleVideo
from tests.api import OTHER_TOKEN, TOKEN, api_client, drive_rate_limits

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
OTHER_AUTH = {"Authorization": f"Bearer {OTHER_TOKEN}"}
QUEUES = ("gpu_jobs", "cpu_jobs")


# --------------------------------------------------------------------------------------- helpers


@pytest.fixture
def video_bytes(sample_video: SampleVideo) -> bytes:
    return sample_video.path.read_bytes()


def files_in(tree: Path) -> list[str]:
    """Every file and link under `tree`, hidden ones included, as sorted relative paths."""
    found = []
    for folder, dirs, files in os.walk(tree, followlinks=False):
        for name in files + [d for d in dirs if Path(folder, d).is_symlink()]:
            found.append(Path(folder, name).relative_to(tree).as_posix())
    return sorted(found)


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        return [dict(r._mapping) for r in await connection.execute(text(sql), params)]


async def queued(redis: Redis) -> set[str]:
    return {m.decode() for queue in QUEUES for m in await redis.zrange(queue, 0, -1)}


async def assert_nothing_stored(engine: AsyncEngine, redis: Redis) -> None:
    assert await rows(engine, "SELECT path FROM videos") == []
    assert await rows(engine, "SELECT id FROM tasks") == []
    assert await queued(redis) == set()
    assert await redis.keys("arq:job:*") == []


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= body.keys()
    assert "Traceback" not in response.text
    return body


def send_without_token(client: TestClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    request = client.build_request(method, url, **kwargs)
    del request.headers["Authorization"]
    return client.send(request)


def send_with_authorization(
    client: TestClient, value: str, method: str = "GET", url: str = "/api/v1/paths"
) -> httpx.Response:
    request = client.build_request(method, url)
    request.headers["Authorization"] = value
    return client.send(request)


def upload(client: TestClient, name_query: str, body: Any, **kwargs: Any) -> httpx.Response:
    """POST /api/v1/videos with `name_query` used verbatim (already URL-encoded) as the filename."""
    headers = {"Content-Type": "application/octet-stream", **kwargs.pop("headers", {})}
    return client.post(f"/api/v1/videos?filename={name_query}", content=body, headers=headers, **kwargs)


def chunked(data: bytes, size: int = 8192) -> Iterator[bytes]:
    """A generator body: httpx sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def discover(client: TestClient, media_root: Path, sample_video: SampleVideo) -> dict[str, dict[str, Any]]:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    return {t["task_type"]: t for t in client.get("/api/v1/tasks").json()["items"]}


async def task_row(engine: AsyncEngine, task_id: str) -> dict[str, Any]:
    sql = "SELECT status, attempt, job_id, correlation_id, enqueued_at, completed_at FROM tasks WHERE id = :id"
    (row,) = await rows(engine, sql, id=task_id)
    return row


# ------------------------------------------------------------------------------ authentication

PROTECTED = [
    ("GET", "/api/v1/videos"),
    ("GET", "/api/v1/tasks"),
    ("GET", "/api/v1/artifacts"),
    ("GET", "/api/v1/paths"),
    ("POST", "/api/v1/paths/discover"),
    ("GET", "/api/v1/videos/00000000-0000-4000-8000-000000000000"),
    ("POST", "/api/v1/tasks/00000000-0000-4000-8000-000000000000/enqueue"),
    ("POST", "/api/v1/tasks/00000000-0000-4000-8000-000000000000/cancel"),
    ("POST", "/api/v1/tasks/00000000-0000-4000-8000-000000000000/retry"),
]


async def test_no_token_gets_401_with_a_bearer_challenge_and_runs_nothing(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, tmp_path: Path, video_bytes: bytes
) -> None:
    (media_root / "clip.mp4").write_bytes(video_bytes)  # discovery would register it
    for method, url in PROTECTED:
        refused = send_without_token(client, method, url)
        body = assert_problem(refused, 401)
        assert refused.headers["WWW-Authenticate"].startswith("Bearer"), (method, url)
        assert body["title"] == "Unauthorized" and body["instance"] == url
    refused = send_without_token(
        client, "POST", "/api/v1/videos?filename=new.mp4", content=video_bytes, headers={"Content-Type": "video/mp4"}
    )
    assert_problem(refused, 401)
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert files_in(tmp_path) == ["media/clip.mp4"]
    await assert_nothing_stored(engine, redis)


BAD_AUTHORIZATIONS = [
    pytest.param("Bearer wrong-token-0123456789abcdef", id="wrong-token"),
    pytest.param(f"Bearer {TOKEN[:-1]}{'0' if TOKEN[-1] != '0' else '1'}", id="last-char-differs"),
    pytest.param(f"Bearer {TOKEN[:-1]}", id="prefix-of-token"),
    pytest.param(f"Bearer {TOKEN}x", id="token-and-more"),
    pytest.param(f"Bearer {TOKEN.upper()}", id="token-upper-case"),
    pytest.param(f"Bearer {TOKEN},{OTHER_TOKEN}", id="both-tokens-joined"),
    pytest.param(f"Basic {base64.b64encode(f'user:{TOKEN}'.encode()).decode()}", id="basic-user-token"),
    pytest.param(f"Basic {base64.b64encode(TOKEN.encode()).decode()}", id="basic-token"),
    pytest.param(f"Token {TOKEN}", id="other-scheme"),
    pytest.param(TOKEN, id="no-scheme"),
    pytest.param("Bearer ", id="empty-bearer"),
    pytest.param("Bearer", id="bare-scheme"),
    pytest.param("", id="empty-header"),
]


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATIONS)
def test_a_wrong_token_or_scheme_gets_401(client: TestClient, authorization: str) -> None:
    refused = send_with_authorization(client, authorization)
    assert_problem(refused, 401)
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in refused.text and OTHER_TOKEN not in refused.text


def test_both_configured_tokens_work_and_the_scheme_is_case_insensitive(client: TestClient) -> None:
    for value in (f"Bearer {TOKEN}", f"Bearer {OTHER_TOKEN}", f"bearer {TOKEN}", f"BEARER {OTHER_TOKEN}"):
        answer = send_with_authorization(client, value)
        assert answer.status_code == 200, value
    assert client.get("/api/v1/videos", headers=OTHER_AUTH).status_code == 200


def test_health_metrics_and_docs_need_no_token(client: TestClient) -> None:
    assert send_without_token(client, "GET", "/healthz").json() == {"status": "ok"}
    ready = send_without_token(client, "GET", "/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"postgres": "ok", "valkey": "ok"}
    metrics = send_without_token(client, "GET", "/metrics")
    assert metrics.status_code == 200 and "framewise_http_requests_total" in metrics.text
    docs = send_without_token(client, "GET", "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = send_without_token(client, "GET", "/openapi.json")
    assert spec.status_code == 200
    schemes = spec.json()["components"]["securitySchemes"]
    assert any(s == {"type": "http", "scheme": "bearer", **s} for s in schemes.values())
    assert TOKEN not in spec.text and OTHER_TOKEN not in spec.text


# ------------------------------------------------------------------------- upload name confinement

TRAVERSAL_NAMES = [
    # the filename exactly as it appears in the query string, and the status: 422 for a name that is not
    # a plain visible file name, 415 for one without a video extension
    pytest.param("../x.mp4", 422, id="dot-dot-slash"),
    pytest.param("..%2Fx.mp4", 422, id="dot-dot-slash-encoded"),
    pytest.param("%2e%2e%2fx.mp4", 422, id="all-encoded"),
    pytest.param("..%252Fx.mp4", 422, id="double-encoded"),  # arrives as the hidden name '..%2Fx.mp4'
    pytest.param("x%2F..%2F..%2Fy.mp4", 422, id="inner-dot-dot"),
    pytest.param("../../../../tmp/x.mp4", 422, id="deep-traversal"),
    pytest.param("/etc/x.mp4", 422, id="absolute"),
    pytest.param("%2Fetc%2Fx.mp4", 422, id="absolute-encoded"),
    pytest.param("a/b.mp4", 422, id="subfolder"),
    pytest.param("a%5Cb.mp4", 422, id="backslash"),
    pytest.param("..%5Cx.mp4", 422, id="dot-dot-backslash"),
    pytest.param("x.mp4/", 422, id="trailing-slash"),
    pytest.param("%20../x.mp4", 422, id="space-dot-dot"),  # stripped first, then refused
    pytest.param(".hidden.mp4", 422, id="hidden"),
    pytest.param(".mp4", 422, id="extension-only"),
    pytest.param(".", 422, id="dot"),
    pytest.param("..", 422, id="dot-dot"),
    pytest.param("%20%20%20", 422, id="blank"),
    pytest.param("", 422, id="empty"),  # Query(min_length=1)
    pytest.param("x%00.mp4", 422, id="nul"),
    pytest.param("x.mp4%00.txt", 422, id="nul-then-extension"),
    pytest.param("x%0A.mp4", 422, id="newline"),
    pytest.param("x%0D%0Ay.mp4", 422, id="crlf"),
    pytest.param("%1B%5B31mx.mp4", 422, id="escape-sequence"),
    pytest.param("x%7F.mp4", 422, id="del"),
    pytest.param("a" * 197 + ".mp4", 422, id="201-bytes"),
    pytest.param(quote("é" * 99 + ".mp4"), 422, id="202-bytes-103-chars"),
    pytest.param("a" * 300 + ".mp4", 422, id="over-255-chars"),  # Query(max_length=255)
    pytest.param("x.txt", 415, id="txt"),
    pytest.param("x.mp4.txt", 415, id="double-extension"),
    pytest.param("x", 415, id="no-extension"),
]


ESCAPE_TARGETS = ("/etc/x.mp4", "/tmp/x.mp4", "/x.mp4", "x.mp4", "y.mp4")  # the last two: the working dir


def escaped() -> list[str]:
    return [p for p in ESCAPE_TARGETS if os.path.lexists(p)]


@pytest.mark.parametrize(("name_query", "status"), TRAVERSAL_NAMES)
async def test_an_unsafe_upload_name_is_refused_and_stores_nothing_anywhere(
    client: TestClient,
    engine: AsyncEngine,
    redis: Redis,
    tmp_path: Path,
    media_root: Path,
    video_bytes: bytes,
    name_query: str,
    status: int,
) -> None:
    refused = upload(client, name_query, video_bytes)
    assert_problem(refused, status)
    assert "Location" not in refused.headers
    assert files_in(tmp_path) == []
    incoming = media_root / "uploads" / ".incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    assert escaped() == []
    await assert_nothing_stored(engine, redis)


async def test_a_name_of_exactly_200_bytes_and_a_unicode_name_are_accepted(
    client: TestClient, engine: AsyncEngine, media_root: Path, video_bytes: bytes
) -> None:
    longest = "a" * 196 + ".mp4"
    assert upload(client, longest, video_bytes).status_code == 201
    decomposed = "cafe\u0301 \u65e5\u672c.mp4"  # NFD 'é': stored NFC-normalised
    stored = upload(client, quote(decomposed, safe=""), video_bytes + b"\0" * 16)  # other content: kept apart
    assert stored.status_code == 201, stored.text
    assert stored.json()["path"] == "uploads/caf\u00e9 \u65e5\u672c.mp4"
    assert sorted(p.name for p in (media_root / "uploads").iterdir()) == [
        ".incoming",
        longest,
        "caf\u00e9 \u65e5\u672c.mp4",
    ]
    assert len(await rows(engine, "SELECT id FROM videos WHERE status = 'ready'")) == 2  # two contents
    assert len(await rows(engine, "SELECT path FROM video_files")) == 2


def test_an_upload_folder_outside_the_media_roots_is_refused_at_start(
    engine: AsyncEngine, database_url: str, valkey_url: str, media_root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (media_root / "uploads").symlink_to(outside, target_is_directory=True)
    for upload_dir in (str(outside), str(media_root / ".." / "outside"), str(media_root / "uploads")):
        with pytest.raises(PathOutsideRoots), api_client(database_url, valkey_url, media_root, upload_dir=upload_dir):
            pass
    assert list(outside.iterdir()) == []


async def test_an_upload_folder_swapped_for_a_symlink_after_start_receives_nothing(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, tmp_path: Path, video_bytes: bytes
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (media_root / "uploads").symlink_to(outside, target_is_directory=True)  # after the app started
    answer = upload(client, "clip.mp4", video_bytes)
    assert_problem(answer, 403)
    assert files_in(outside) == [], "the upload was written outside the media root"
    await assert_nothing_stored(engine, redis)


# ------------------------------------------------------------------------- discovery and symlinks


async def test_symlinks_out_of_the_media_root_are_never_discovered(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, tmp_path: Path, video_bytes: bytes
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.mp4").write_bytes(video_bytes)
    evil = tmp_path / "media-evil"  # shares the root's name as a string prefix
    evil.mkdir()
    (evil / "x.mp4").write_bytes(video_bytes)
    (media_root / "escape.mp4").symlink_to(outside / "secret.mp4")
    (media_root / "relative.mp4").symlink_to(Path("..") / "outside" / "secret.mp4")
    (media_root / "relay.mp4").symlink_to(media_root / "escape.mp4")  # inside link -> link out
    (media_root / "prefix.mp4").symlink_to(evil / "x.mp4")
    (media_root / "escape_dir").symlink_to(outside, target_is_directory=True)
    (media_root / "nested").mkdir()
    (media_root / "nested" / "up").symlink_to(Path("..") / "..", target_is_directory=True)

    report = client.post("/api/v1/paths/discover")
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["scanned"], body["new"], body["invalid"], body["tasks_created"]) == (0, [], {}, 0)
    await assert_nothing_stored(engine, redis)
    assert (outside / "secret.mp4").read_bytes() == video_bytes


async def test_symlinks_inside_the_media_root_are_followed_and_each_real_folder_walked_once(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, video_bytes: bytes
) -> None:
    """LocalMediaLibrary refuses only links that resolve out of the root: a link to a file inside
    is taken under the link's own path, and a link to a folder inside is followed, but each real
    folder is entered once, so its videos are registered under one of its two paths. The three
    files hold the same content: one video, analysed once, with three locations."""
    (media_root / "clip.mp4").write_bytes(video_bytes)
    (media_root / "alias.mp4").symlink_to("clip.mp4")
    (media_root / "real_dir").mkdir()
    (media_root / "real_dir" / "inner.mp4").write_bytes(video_bytes)
    (media_root / "linked_dir").symlink_to("real_dir", target_is_directory=True)

    body = client.post("/api/v1/paths/discover").json()
    assert body["scanned"] == 3 and body["tasks_created"] == 6
    videos = await rows(engine, "SELECT path, status FROM videos ORDER BY path")
    assert [(v["path"], v["status"]) for v in videos] == [("alias.mp4", "ready")]
    paths = [v["path"] for v in await rows(engine, "SELECT path FROM video_files ORDER BY path")]
    assert paths[:2] == ["alias.mp4", "clip.mp4"]
    assert paths[2:] in (["linked_dir/inner.mp4"], ["real_dir/inner.mp4"])
    assert len(await queued(redis)) == 6


@pytest.mark.timeout(60)
async def test_symlink_loops_inside_the_root_neither_hang_nor_multiply_videos(
    client: TestClient, engine: AsyncEngine, media_root: Path, video_bytes: bytes
) -> None:
    """Two links back to the root used to make the walk branch twice per level down to ELOOP
    (about 2**40 folders); one link registered the file under every loop/loop/... path."""
    (media_root / "clip.mp4").write_bytes(video_bytes)
    (media_root / "loop").symlink_to(".", target_is_directory=True)
    (media_root / "again").symlink_to(".", target_is_directory=True)
    (media_root / "sub").mkdir()
    (media_root / "sub" / "up").symlink_to("..", target_is_directory=True)
    body = client.post("/api/v1/paths/discover").json()
    paths = [r["path"] for r in await rows(engine, "SELECT path FROM videos ORDER BY path")]
    assert (body["scanned"], paths) == (1, ["clip.mp4"])
    assert client.post("/api/v1/paths/discover").json()["new"] == []


# ------------------------------------------------------------------------------------- uploads


async def test_a_good_upload_is_stored_registered_and_queued(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, video_bytes: bytes
) -> None:
    created = upload(client, "clip.mp4", video_bytes)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"/api/v1/videos/{body['video_id']}"
    assert (body["path"], body["size"]) == ("uploads/clip.mp4", len(video_bytes))
    assert (body["tasks_created"], body["jobs_enqueued"]) == (6, 6)
    assert (media_root / "uploads" / "clip.mp4").read_bytes() == video_bytes
    assert list((media_root / "uploads" / ".incoming").iterdir()) == []

    (video,) = await rows(engine, "SELECT id, root, path, status, size FROM videos")
    assert (str(video["id"]), video["root"], video["path"]) == (body["video_id"], str(media_root), "uploads/clip.mp4")
    assert (video["status"], video["size"]) == ("ready", len(video_bytes))
    tasks = await rows(engine, "SELECT status, attempt, job_id FROM tasks WHERE video_id = :v", v=body["video_id"])
    assert len(tasks) == 6 and {(t["status"], t["attempt"]) for t in tasks} == {("PENDING", 1)}
    assert await queued(redis) == {t["job_id"] for t in tasks}
    assert await redis.zcard("gpu_jobs") > 0 and await redis.zcard("cpu_jobs") > 0
    assert client.get(created.headers["Location"]).json()["status"] == "ready"

    # The same content again, under any name: the library has it, so it is not stored a second time.
    again = upload(client, "other name.mp4", video_bytes)
    assert again.status_code == 200, again.text
    assert again.headers["Location"] == created.headers["Location"]
    assert (again.json()["video_id"], again.json()["path"], again.json()["tasks_created"]) == (
        body["video_id"],
        "uploads/clip.mp4",
        0,
    )
    assert sorted(p.name for p in (media_root / "uploads").iterdir()) == [".incoming", "clip.mp4"]
    assert list((media_root / "uploads" / ".incoming").iterdir()) == []
    assert len(await rows(engine, "SELECT path FROM video_files")) == 1
    assert len(await queued(redis)) == 6
    # Other content under a name already taken: stored beside it, never over it.
    other = upload(client, "clip.mp4", video_bytes + b"\0" * 16)
    assert other.status_code == 201 and other.json()["path"] == "uploads/clip (1).mp4"
    assert (media_root / "uploads" / "clip.mp4").read_bytes() == video_bytes  # never overwritten


async def test_an_oversized_upload_gets_413_declared_or_streamed_and_leaves_nothing(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    tmp_path: Path,
    video_bytes: bytes,
) -> None:
    limit = len(video_bytes) - 1
    with api_client(database_url, valkey_url, media_root, upload_max_bytes=limit) as client:
        declared = upload(client, "clip.mp4", video_bytes)
        assert_problem(declared, 413)
        assert str(limit) in declared.json()["detail"]
        assert files_in(tmp_path) == []  # refused on Content-Length, before anything was staged

        streamed = upload(client, "clip.mp4", chunked(video_bytes))
        assert_problem(streamed, 413)
        assert files_in(tmp_path) == []
        assert list((media_root / "uploads" / ".incoming").iterdir()) == []

        huge = upload(client, "huge.mp4", chunked(b"\0" * (limit * 3), size=65536))
        assert_problem(huge, 413)
        assert files_in(tmp_path) == []
    await assert_nothing_stored(engine, redis)


async def test_an_upload_of_exactly_the_limit_is_accepted_streamed_or_declared(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, video_bytes: bytes
) -> None:
    with api_client(database_url, valkey_url, media_root, upload_max_bytes=len(video_bytes)) as client:
        assert upload(client, "a.mp4", video_bytes).status_code == 201
        assert upload(client, "b.mp4", chunked(video_bytes)).status_code == 200  # accepted: known content, kept once
    assert (media_root / "uploads" / "a.mp4").read_bytes() == video_bytes


BAD_CONTENT: dict[str, Callable[[bytes], bytes]] = {
    "random": lambda video: os.urandom(64 * 1024),
    "text": lambda video: b"<html><body>not a video</body></html>\n" * 100,
    "truncated": lambda video: video[: len(video) // 2],
    "header_only": lambda video: video[:4096],
    "zero_bytes": lambda video: b"",
}


@pytest.mark.parametrize("kind", BAD_CONTENT)
@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "streamed"])
async def test_an_upload_that_is_not_a_readable_video_gets_422_and_leaves_nothing(
    client: TestClient,
    engine: AsyncEngine,
    redis: Redis,
    tmp_path: Path,
    media_root: Path,
    video_bytes: bytes,
    kind: str,
    streamed: bool,
) -> None:
    data = BAD_CONTENT[kind](video_bytes)
    refused = upload(client, "x.mp4", chunked(data) if streamed else data)
    body = assert_problem(refused, 422)
    assert "not a readable video" in body["detail"]
    assert files_in(tmp_path) == []
    assert list((media_root / "uploads" / ".incoming").iterdir()) == []
    await assert_nothing_stored(engine, redis)


async def test_a_video_under_a_non_video_name_gets_415_before_any_byte_is_stored(
    client: TestClient, engine: AsyncEngine, redis: Redis, tmp_path: Path, video_bytes: bytes
) -> None:
    for name in ("clip.txt", "clip.exe", "clip.mp4.sh", "clip"):
        assert_problem(upload(client, name, video_bytes), 415)
    assert files_in(tmp_path) == []
    assert not (tmp_path / "media" / "uploads").exists()
    await assert_nothing_stored(engine, redis)


# --------------------------------------------------------------------------------- rate limits


def assert_rate_limited(response: httpx.Response, window_s: int) -> None:
    body = assert_problem(response, 429)
    assert body["title"] == "Too Many Requests"
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= window_s


async def test_enqueue_is_limited_per_token_and_a_refusal_changes_nothing(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    settings = {"rate_limit_enqueue": 3, "rate_limit_window_s": 60}
    with api_client(database_url, valkey_url, media_root, **settings) as client:
        task = discover(client, media_root, sample_video)["ocr"]
        url = f"/api/v1/tasks/{task['id']}/enqueue"
        drive_rate_limits(client)  # the window is where the test's clock says, however slow the machine
        for _ in range(4):  # refused before counting: a wrong token never spends a caller's quota
            assert send_with_authorization(client, "Bearer not-a-token-0123456789", "POST", url).status_code == 401
        for _ in range(3):
            assert client.post(url).status_code == 202
        before_row, before_jobs = await task_row(engine, task["id"]), await queued(redis)

        refused = client.post(url, headers={"X-Correlation-ID": "refused-enqueue"})
        assert_rate_limited(refused, 60)
        assert await task_row(engine, task["id"]) == before_row
        assert before_row["correlation_id"] != "refused-enqueue"
        assert await queued(redis) == before_jobs
        assert client.post(url).status_code == 429

        other = client.post(url, headers=OTHER_AUTH)  # the other token has its own counter
        assert other.status_code == 202 and other.json()["job_id"] == before_row["job_id"]
        keys = await redis.keys(f"ratelimit:enqueue:{token_id(TOKEN)}")
        assert len(keys) == 1 and await redis.zcard(keys[0]) == 3  # the accepted three; refusals not counted
        assert 0 < await redis.ttl(keys[0]) <= 61
        assert not await redis.keys(f"*{TOKEN}*")  # the token itself is never stored
    row = await task_row(engine, task["id"])
    assert (row["attempt"], row["job_id"], row["status"]) == (1, before_row["job_id"], "PENDING")


async def test_retry_is_limited_per_token_and_a_refusal_changes_nothing(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    with api_client(database_url, valkey_url, media_root, rate_limit_retry=3, rate_limit_window_s=60) as client:
        tasks = list(discover(client, media_root, sample_video).values())[:4]
        for task in tasks:  # cancel is not rate limited
            assert client.post(f"/api/v1/tasks/{task['id']}/cancel").status_code == 200
        drive_rate_limits(client)
        for task in tasks[:3]:
            assert client.post(f"/api/v1/tasks/{task['id']}/retry").status_code == 202
        last = tasks[3]
        before_row, before_jobs = await task_row(engine, last["id"]), await queued(redis)

        assert_rate_limited(client.post(f"/api/v1/tasks/{last['id']}/retry"), 60)
        assert await task_row(engine, last["id"]) == before_row
        assert (before_row["status"], before_row["attempt"]) == ("CANCELLED", 1)
        assert await queued(redis) == before_jobs

        other = client.post(f"/api/v1/tasks/{last['id']}/retry", headers=OTHER_AUTH)
        assert other.status_code == 202 and other.json()["job_id"] == f"task:{last['id']}:2"
    row = await task_row(engine, last["id"])
    assert (row["status"], row["attempt"]) == ("PENDING", 2)


async def test_upload_is_limited_per_token_and_a_refused_upload_stores_nothing(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    video_bytes: bytes,
) -> None:
    with api_client(database_url, valkey_url, media_root, rate_limit_upload=2, rate_limit_window_s=60) as client:
        drive_rate_limits(client)
        assert upload(client, "a.mp4", video_bytes).status_code == 201
        assert upload(client, "b.mp4", video_bytes + b"\0" * 16).status_code == 201  # other content: stored too
        assert_rate_limited(upload(client, "c.mp4", video_bytes), 60)
        assert_rate_limited(upload(client, "d.mp4", chunked(video_bytes)), 60)
        assert sorted(files_in(media_root)) == ["uploads/a.mp4", "uploads/b.mp4"]
        assert len(await rows(engine, "SELECT path FROM video_files")) == 2
        assert len(await queued(redis)) == 12

        assert upload(client, "c.mp4", video_bytes + b"\0" * 32, headers=OTHER_AUTH).status_code == 201
    assert files_in(media_root) == ["uploads/a.mp4", "uploads/b.mp4", "uploads/c.mp4"]


async def test_a_limit_of_zero_switches_it_off(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    settings = {
        "rate_limit_enqueue": 0,
        "rate_limit_retry": 0,
        "rate_limit_upload": 0,
        "rate_limit_discover": 0,
        "rate_limit_window_s": 60,
    }
    with api_client(database_url, valkey_url, media_root, **settings) as client:
        task = discover(client, media_root, sample_video)["scene_detection"]
        for _ in range(8):
            assert client.post(f"/api/v1/tasks/{task['id']}/enqueue").status_code == 202
        for _ in range(4):
            assert client.post(f"/api/v1/tasks/{task['id']}/cancel").status_code == 200
            assert client.post(f"/api/v1/tasks/{task['id']}/retry").status_code == 202
    assert await redis.keys("ratelimit:*") == []
    assert (await task_row(engine, task["id"]))["attempt"] == 5


# ----------------------------------------------------------------------------------- readiness


class TcpProxy:
    """Forwards a local port to Valkey until `cut()`: then the port refuses connections and every
    open connection through it is closed, as when Valkey goes down under a running API."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._listener.close()
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


@pytest.fixture
def valkey_proxy(valkey_url: str) -> Iterator[tuple[TcpProxy, str]]:
    parts = urlsplit(valkey_url)
    assert parts.hostname and parts.port, valkey_url
    proxy = TcpProxy(parts.hostname, parts.port)
    netloc = parts.netloc.rsplit(":", 1)[0].replace(parts.hostname, "127.0.0.1") + f":{proxy.port}"
    yield proxy, urlunsplit(parts._replace(netloc=netloc))
    proxy.cut()


async def test_readyz_and_valkey_routes_answer_503_when_valkey_goes_down(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    media_root: Path,
    tmp_path: Path,
    sample_video: SampleVideo,
    video_bytes: bytes,
    valkey_proxy: tuple[TcpProxy, str],
) -> None:
    proxy, url = valkey_proxy
    with api_client(database_url, url, media_root) as client:
        task = discover(client, media_root, sample_video)["ocr"]
        assert client.get("/readyz").status_code == 200
        assert client.post(f"/api/v1/tasks/{task['id']}/cancel").status_code == 200
        before_row = await task_row(engine, task["id"])
        proxy.cut()

        ready = send_without_token(client, "GET", "/readyz")
        body = assert_problem(ready, 503)
        assert "valkey" in body["detail"] and "postgres" not in body["detail"]
        assert body["checks"]["postgres"] == "ok" and body["checks"]["valkey"].startswith("down")
        assert send_without_token(client, "GET", "/healthz").status_code == 200  # alive, not ready

        for refused in (
            client.post(f"/api/v1/tasks/{task['id']}/retry"),
            client.post(f"/api/v1/tasks/{task['id']}/enqueue"),
            upload(client, "new.mp4", video_bytes),
        ):
            body = assert_problem(refused, 503)
            assert "Valkey" in body["detail"]
        assert await task_row(engine, task["id"]) == before_row
        assert files_in(media_root) == ["clip.mp4"]
        assert client.get("/api/v1/tasks").status_code == 200  # PostgreSQL-only reads still work


async def test_an_upload_while_valkey_is_down_either_succeeds_or_leaves_nothing(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    media_root: Path,
    video_bytes: bytes,
    valkey_proxy: tuple[TcpProxy, str],
) -> None:
    proxy, url = valkey_proxy
    with api_client(database_url, url, media_root, rate_limit_upload=0) as client:
        proxy.cut()
        answer = upload(client, "clip.mp4", video_bytes)
    stored = [r["path"] for r in await rows(engine, "SELECT path FROM videos")]
    if answer.status_code == 201:  # stored: the reconciler queues its PENDING tasks later
        assert stored == ["uploads/clip.mp4"]
    else:
        assert_problem(answer, 503)
        assert stored == [] and files_in(media_root) == []


@pytest.fixture
def dead_database_url(unused_tcp_port: int) -> str:
    return f"postgresql://framewise:secret@127.0.0.1:{unused_tcp_port}/framewise"


def test_readyz_names_postgres_when_it_is_unreachable(
    redis: Redis, dead_database_url: str, valkey_url: str, media_root: Path
) -> None:
    with api_client(dead_database_url, valkey_url, media_root) as client:  # the engine connects lazily
        ready = send_without_token(client, "GET", "/readyz")
    body = assert_problem(ready, 503)
    assert "postgres" in body["detail"] and "valkey" not in body["detail"]
    assert body["checks"]["valkey"] == "ok" and body["checks"]["postgres"].startswith("down")
    assert "secret" not in ready.text


def test_api_routes_answer_503_when_postgres_is_unreachable(
    redis: Redis, dead_database_url: str, valkey_url: str, media_root: Path
) -> None:
    with api_client(dead_database_url, valkey_url, media_root) as client:
        listed = client.get("/api/v1/videos")
    body = assert_problem(listed, 503)
    assert "PostgreSQL" in body["detail"] and "secret" not in listed.text
