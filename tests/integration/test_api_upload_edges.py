"""Uploads and file names at the API's edge (issue 30), through the real app on real PostgreSQL and
Valkey: an upload that stops sending is cut with a 408 and leaves nothing; each token runs a bounded
number of uploads at once; names with control, bidi or zero-width characters are refused; an
uploaded file gets the mode any created file gets; content the library has is kept once; and a
refusal never names a server path. Tests that need real connections serve the app with uvicorn."""

import asyncio
import os
import shutil
import socket
import stat
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.api import AUTH, OTHER_TOKEN, api_app
from tests.integration.test_api_security import assert_nothing_stored, assert_problem, files_in, rows, upload
from tests.served import Served

pytestmark = pytest.mark.integration


@pytest.fixture
def video_bytes(sample_video: SampleVideo) -> bytes:
    return sample_video.path.read_bytes()


def stalled_upload(port: int, *, declared: int = 1_000_000, sent: int = 100) -> socket.socket:
    """An upload that declares `declared` bytes, sends `sent` and goes idle (the socket stays open)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = (
        f"POST /api/v1/videos?filename=clip.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {AUTH['Authorization']}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    conn.sendall(head + b"\0" * sent)
    return conn


def answer_of(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


async def until(predicate: object, what: str) -> None:
    for _ in range(600):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def staged(media_root: Path) -> list[Path]:
    incoming = media_root / "uploads" / ".incoming"
    return list(incoming.iterdir()) if incoming.is_dir() else []


async def test_an_upload_that_stops_sending_is_a_408_and_its_partial_file_is_removed(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> None:
    """Finding 7: 100 of 1 000 000 declared bytes, then nothing: no answer after 120 s, the file kept."""
    app = api_app(database_url, valkey_url, media_root, upload_idle_timeout_s=1)
    with Served(app) as served:
        conn = stalled_upload(served.port)
        try:
            answer = await asyncio.to_thread(answer_of, conn)  # the server answers and closes, by itself
        finally:
            conn.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n", 1)[0].split()[1] == b"408", answer[:300]
    assert b"application/problem+json" in head and b"no byte of the upload arrived for 1 s" in body
    assert str(media_root).encode() not in body
    assert staged(media_root) == []
    await assert_nothing_stored(engine, redis)


async def test_uploads_at_once_are_bounded_per_token(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, video_bytes: bytes
) -> None:
    app = api_app(database_url, valkey_url, media_root, upload_concurrency=1, upload_idle_timeout_s=60)
    with Served(app) as served:
        conn = stalled_upload(served.port)
        try:
            await until(lambda: staged(media_root), "the first upload is being written")
            octets = {"Content-Type": "application/octet-stream"}
            async with httpx.AsyncClient(base_url=served.url, headers=octets, timeout=60) as http:
                refused = await http.post("/api/v1/videos?filename=b.mp4", content=video_bytes, headers=AUTH)
                assert refused.status_code == 429, refused.text
                assert refused.headers["content-type"] == "application/problem+json"
                assert 1 <= int(refused.headers["Retry-After"]) <= 60
                assert "at most 1 at once per token" in refused.json()["detail"]
                other = {"Authorization": f"Bearer {OTHER_TOKEN}"}  # another token has slots of its own
                assert (
                    await http.post("/api/v1/videos?filename=c.mp4", content=video_bytes, headers=other)
                ).status_code == 201
        finally:
            conn.close()  # the first one's client goes: its slot and its partial file go with it
        await until(lambda: not staged(media_root), "the dropped upload's partial file is removed")
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
            octets = {"Content-Type": "application/octet-stream", **AUTH}
            again = await http.post("/api/v1/videos?filename=d.mp4", content=video_bytes + b"\0" * 16, headers=octets)
            assert again.status_code == 201, again.text
    assert files_in(media_root / "uploads") == ["c.mp4", "d.mp4"]


UNSHOWABLE = [
    pytest.param("clip\u202egpj.mp4", id="right-to-left-override"),
    pytest.param("clip\u2066x\u2069.mp4", id="bidi-isolate"),
    pytest.param("cl\u200bip.mp4", id="zero-width-space"),
    pytest.param("clip\u2028two.mp4", id="line-separator"),
    pytest.param("clip\u001b[31m.mp4", id="escape"),
    pytest.param("clip\nname.mp4", id="newline"),
    pytest.param("clip\u0085.mp4", id="c1-next-line"),
    pytest.param("\ufeffclip.mp4", id="byte-order-mark"),
]


@pytest.mark.parametrize("name", UNSHOWABLE)
async def test_an_upload_name_that_would_not_show_as_it_is_is_a_422_and_stores_nothing(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, video_bytes: bytes, name: str
) -> None:
    refused = upload(client, quote(name, safe=""), video_bytes)
    body = assert_problem(refused, 422)
    assert "plain name" in body["detail"]
    assert not any(c in body["detail"] for c in name if not c.isprintable())  # escaped, never echoed raw
    assert files_in(media_root) == []
    await assert_nothing_stored(engine, redis)


def test_an_uploaded_file_gets_the_mode_of_any_file_created_here(
    client: TestClient, media_root: Path, video_bytes: bytes
) -> None:
    """Finding 8: uploads were 0600 (mkstemp) where discovered files were 0644."""
    assert upload(client, "clip.mp4", video_bytes).status_code == 201
    reference = media_root / "made-here.txt"
    reference.write_bytes(b"")  # as any program creates a file: 0666 less the umask
    uploaded = stat.S_IMODE((media_root / "uploads" / "clip.mp4").stat().st_mode)
    assert uploaded == stat.S_IMODE(reference.stat().st_mode)
    assert uploaded & stat.S_IRGRP or not stat.S_IMODE(reference.stat().st_mode) & stat.S_IRGRP


async def test_content_the_library_has_is_kept_once_and_the_answer_is_its_video(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, video_bytes: bytes
) -> None:
    """Finding 8: an upload whose content was already in the library was stored a second time."""
    (media_root / "archive").mkdir()
    (media_root / "archive" / "clip.mp4").write_bytes(video_bytes)
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    (video,) = client.get("/api/v1/videos").json()["items"]
    jobs = await redis.zcard("gpu_jobs") + await redis.zcard("cpu_jobs")

    again = upload(client, "copy.mp4", video_bytes)
    assert again.status_code == 200, again.text
    assert (again.json()["video_id"], again.json()["path"], again.json()["tasks_created"]) == (
        video["id"],
        "archive/clip.mp4",
        0,
    )
    assert again.headers["Location"] == f"/api/v1/videos/{video['id']}"
    assert files_in(media_root) == ["archive/clip.mp4"]  # nothing in uploads/, nothing staged
    assert len(await rows(engine, "SELECT path FROM video_files")) == 1
    assert await redis.zcard("gpu_jobs") + await redis.zcard("cpu_jobs") == jobs

    # A video whose every file is gone gets its content back from an upload: that one is kept.
    os.remove(media_root / "archive" / "clip.mp4")
    client.post("/api/v1/paths/discover")
    assert client.get(f"/api/v1/videos/{video['id']}").json()["status"] == "missing"
    back = upload(client, "back.mp4", video_bytes)
    assert back.status_code == 201 and back.json()["video_id"] == video["id"]
    assert files_in(media_root) == ["uploads/back.mp4"]


def test_a_file_swapped_for_a_link_out_of_the_root_is_refused_without_naming_a_server_path(
    client: TestClient, media_root: Path, tmp_path: Path, video_bytes: bytes
) -> None:
    """Finding 8: the 403 named the absolute path the swapped file resolved to."""
    (media_root / "clip.mp4").write_bytes(video_bytes)
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    (video,) = client.get("/api/v1/videos").json()["items"]
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.move(media_root / "clip.mp4", outside / "clip.mp4")
    (media_root / "clip.mp4").symlink_to(outside / "clip.mp4")
    for media in ("stream", "thumbnail"):
        refused = client.get(f"/api/v1/videos/{video['id']}/{media}")
        body = assert_problem(refused, 403)
        assert str(media_root) not in refused.text and str(outside) not in refused.text
        assert str(tmp_path) not in refused.text
        assert "clip.mp4" in body["detail"]  # named as the library knows it


def test_a_discovered_name_with_control_characters_is_kept_as_it_is(
    client: TestClient, media_root: Path, video_bytes: bytes
) -> None:
    """The API keeps a file's true name (JSON escapes it); the web UI shows its controls visibly
    (ui/src/lib/format.ts visibleText, tested with Vitest)."""
    name = "line\nbreak \x1b[31mred.mp4"
    (media_root / name).write_bytes(video_bytes)
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    answer = client.get("/api/v1/videos")
    assert [v["path"] for v in answer.json()["items"]] == [name]
    assert "\\n" in answer.text and "\\u001b" in answer.text  # escaped in the JSON, never raw
