"""No header or parameter the API parses by hand gives a 500, whatever it holds: numbers are ASCII
digits only (`str.isdigit` and `int` also take superscripts and other scripts' digits, and `int`
then raised on `bytes=0-²`). Checked on the parsers themselves and through the real app on the
real stores, with the media routes reached both by a bearer token and by a signed link alone."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable

from framewise_api.byte_ranges import MalformedRange, UnsatisfiableRange, ascii_int, check_range
from framewise_api.media_auth import MediaSigner
from framewise_dev.media import SampleVideo
from tests.api import api_client

pytestmark = [pytest.mark.property]

SIZE = 1000
# Header values arrive as latin-1: every character a client can put in one, with the digits of other
# scripts and the superscripts that fooled isdigit, and the pieces of a range.
HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
PIECES = st.sampled_from(
    ["bytes=", "0", "1", "9", "-", ",", " ", "\t", "²", "¹", "³", "½", "_", "+", "99999999999999999999"]
)
RANGES = st.one_of(
    st.text(HEADER_CHARS, max_size=40),
    st.lists(PIECES, max_size=12).map("".join),
    st.builds(
        lambda a, b: f"bytes={a}-{b}", st.text("0123456789²¹³ _+", max_size=6), st.text("0123456789²¹³ _+", max_size=6)
    ),
)


@given(RANGES)
@settings(max_examples=500, deadline=None)
def test_the_range_parser_accepts_ascii_digits_only_and_never_raises_anything_else(header: str) -> None:
    try:
        check_range(header, SIZE)
    except (MalformedRange, UnsatisfiableRange):
        return
    assert header.isascii() or not any(c.isdigit() and not c.isascii() for c in header), header
    # What it lets through, the file response parses without an error of its own kind.
    try:
        FileResponse._parse_range_header(header, SIZE)
    except (MalformedRangeHeader, RangeNotSatisfiable):
        pass  # its own refusals, which Starlette answers 400 or 416: never a crash


@given(st.text(max_size=25))
@settings(max_examples=300, deadline=None)
def test_ascii_int_reads_plain_ascii_digits_and_nothing_else(text: str) -> None:
    value = ascii_int(text)
    plain = text.isascii() and text.isdigit() and 1 <= len(text) <= 19
    assert (value is not None) == plain
    if value is not None:
        assert str(value) == text.lstrip("0") or (value == 0 and set(text) == {"0"})


@pytest.fixture
def app_client(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> Iterator[tuple[TestClient, str]]:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    with api_client(database_url, valkey_url, media_root) as client:
        assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
        yield client, client.get("/api/v1/videos").json()["items"][0]["id"]


def latin1(value: str) -> bytes:
    return value.encode("latin-1")


@pytest.mark.integration
def test_no_range_header_is_a_500_through_the_real_app(app_client: tuple[TestClient, str]) -> None:
    """Finding 3: `Range: bytes=0-²` on /stream was a 500, and a signed link alone reached it."""
    client, video_id = app_client
    signer: MediaSigner = client.app.state.media_signer  # type: ignore[attr-defined]
    by_link = f"/api/v1/videos/{video_id}/stream?{signer.query('stream', UUID(video_id))}"
    for header in ("bytes=0-²", "bytes=¹-5", "bytes=-³"):
        answer = client.get(by_link, headers={"Authorization": "", "Range": latin1(header)})
        assert answer.status_code == 400, (header, answer.text)

    @given(RANGES)
    @settings(max_examples=150, deadline=None)
    def check(header: str) -> None:
        answer = client.get(by_link, headers={"Authorization": "", "Range": latin1(header)})
        assert answer.status_code in (200, 206, 400, 416), (header, answer.status_code, answer.text[:200])

    check()


QUERY_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=["Cs"]), max_size=12)


@pytest.mark.integration
def test_no_number_in_a_query_is_a_500_through_the_real_app(app_client: tuple[TestClient, str]) -> None:
    client, video_id = app_client
    routes = [
        (f"/api/v1/videos/{video_id}/thumbnail", "t_ms"),
        (f"/api/v1/videos/{video_id}/thumbnail", "width"),
        (f"/api/v1/videos/{video_id}/captions.vtt", "exp"),
        ("/api/v1/tasks", "offset"),
        ("/api/v1/search", "from_ms"),
    ]

    @given(st.sampled_from(routes), QUERY_TEXT, st.booleans())
    @settings(max_examples=150, deadline=None)
    def check(route: tuple[str, str], value: str, signed_only: bool) -> None:
        path, name = route
        params: dict[str, Any] = {name: value}
        headers = {"Authorization": ""} if signed_only else {}
        if signed_only and name != "exp":
            params.update({"exp": "1", "sig": "0" * 64})
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code < 500, (path, name, value, answer.text[:200])

    check()


@pytest.mark.integration
def test_no_content_length_is_a_500(app_client: tuple[TestClient, str]) -> None:
    client, _ = app_client

    @given(st.text("0123456789²¹³٣۳߃१ -+_", min_size=1, max_size=8))
    @settings(max_examples=100, deadline=None)
    def check(declared: str) -> None:
        request = client.build_request(
            "POST",
            "/api/v1/videos?filename=x.mp4",
            content=b"tiny",
            headers={"Content-Type": "application/octet-stream"},
        )
        request.headers["Content-Length"] = declared.encode("utf-8").decode("latin-1")
        answer = client.send(request)
        assert answer.status_code < 500, (declared, answer.text[:200])

    check()
