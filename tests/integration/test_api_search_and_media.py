"""Search and media through the real API app on real stores: every bad input is a problem document
that changes nothing; streams answer byte ranges byte for byte; thumbnails are the frame shown;
captions parse in real WebVTT and SRT parsers; signed links work without a bearer header and fail
when altered or expired."""

import html
import io
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import pytest
import srt
import webvtt
from fastapi.testclient import TestClient
from PIL import Image
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.domain.artifact import envelopes_for, validate_payload
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import moments_for
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_api.media_auth import MediaSigner
from framewise_dev.media import SampleVideo
from tests.api import TOKEN, api_client

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


@pytest.fixture
def client(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, tmp_path: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root, thumbnail_dir=tmp_path / "thumbs") as test_client:
        yield test_client


async def store(engine: AsyncEngine, task: dict[str, Any], task_type: TaskType, items: list[Any]) -> None:
    written = envelopes_for(
        task_type=task_type,
        video_id=VideoId(UUID(task["video_id"])),
        task_id=TaskId(UUID(task["id"])),
        attempt=1,
        items=[validate_payload(task_type, i) for i in items],
        provenance=Provenance(
            producer="p",
            producer_version="1",
            model_profile="balanced",
            config_hash="c",
            input_hash="fw1:x",
            run_id=f"run-{uuid4().hex[:8]}",
            device="cpu",
            weights="none",
        ),
        now=datetime.now(UTC),
    )
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.artifacts.replace_for_task(TaskId(UUID(task["id"])), written, moments_for(written, {}))
        await uow.commit()


@pytest.fixture
async def analysed(client: TestClient, engine: AsyncEngine, media_root: Path, sample_video: SampleVideo) -> dict:
    """The sample video discovered, with a transcript and scenes stored as the worker stores them."""
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    tasks = {t["task_type"]: t for t in client.get("/api/v1/tasks").json()["items"]}
    await store(
        engine,
        tasks["transcription"],
        TaskType.TRANSCRIPTION,
        [
            {"text": " Meet me on Thursday.", "start_ms": 300, "end_ms": 1900, "language": "en"},
            {"text": "Bring the --> arrows", "start_ms": 2100, "end_ms": 3500, "language": "en"},
        ],
    )
    cuts = [0, *sample_video.cut_ms(), sample_video.duration_ms]
    scenes = [{"scene_index": i, "start_ms": a, "end_ms": b} for i, (a, b) in enumerate(pairwise(cuts))]
    await store(engine, tasks["scene_detection"], TaskType.SCENE_DETECTION, scenes)
    return {"video_id": tasks["transcription"]["video_id"], "video": sample_video, "file": media_root / "clip.mp4"}


class Anonymous:
    """The same app as a browser reaches it: no bearer header, only what the URL carries (the same
    client, so the same event loop as the app's connections)."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def get(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return self._client.get(url, headers={"Authorization": "", **(headers or {})})


def assert_problem(response: Any, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()  # type: ignore[no-any-return]


def test_search_answers_hits_with_signed_links_that_start_at_the_moment(client: TestClient, analysed: dict) -> None:
    page = client.get("/api/v1/search", params={"q": "thursday"}).json()
    assert page["total"] == 1
    hit = page["items"][0]
    assert (hit["type"], hit["start_ms"], hit["end_ms"], hit["video_path"]) == ("transcript", 300, 1900, "clip.mp4")
    assert "<mark>Thursday</mark>" in hit["snippet"]
    assert hit["stream_url"].endswith("#t=0.300")
    anonymous = Anonymous(client)  # a browser: no bearer header, only the link
    stream = anonymous.get(hit["stream_url"].split("#")[0], headers={"Range": "bytes=0-99"})
    assert stream.status_code == 206 and stream.content == analysed["file"].read_bytes()[:100]
    still = anonymous.get(hit["thumbnail_url"])
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(still.content)).width == 320


def test_a_signed_link_opens_only_the_resource_it_names(client: TestClient, analysed: dict) -> None:
    """Finding 6: the signature of a hit's thumbnail_url also opened the stream, captions and chapters."""
    hit = client.get("/api/v1/search", params={"q": "thursday"}).json()["items"][0]
    anonymous = Anonymous(client)
    base = f"/api/v1/videos/{analysed['video_id']}"
    fields = {k: v[0] for k, v in parse_qs(urlsplit(hit["thumbnail_url"]).query).items()}
    signed = f"exp={fields['exp']}&sig={fields['sig']}"
    assert anonymous.get(hit["thumbnail_url"]).status_code == 200
    for other in ("stream", "captions.vtt", "captions.srt", "chapters.vtt"):
        refused = assert_problem(anonymous.get(f"{base}/{other}?{signed}"), 403)
        assert "another resource" in refused["detail"] or "for another" in refused["detail"]
    stream_fields = {k: v[0] for k, v in parse_qs(urlsplit(hit["stream_url"].split("#")[0]).query).items()}
    from_stream = f"exp={stream_fields['exp']}&sig={stream_fields['sig']}"
    assert_problem(anonymous.get(f"{base}/thumbnail?t_ms=0&{from_stream}"), 403)
    signer: MediaSigner = client.app.state.media_signer  # type: ignore[attr-defined]
    for kind, path in (("captions", "captions.vtt"), ("captions", "captions.srt"), ("chapters", "chapters.vtt")):
        assert anonymous.get(f"{base}/{path}?{signer.query(kind, UUID(analysed['video_id']))}").status_code == 200


def test_links_a_session_asked_for_end_with_the_session(client: TestClient, analysed: dict) -> None:
    """Sign-out (or revocation) ends the media links issued under the session, not an hour later."""
    client.cookies.clear()
    signed_in = client.post("/api/v1/session", json={"token": TOKEN})
    session_id = signed_in.json()["session_id"]
    browser = {"Authorization": ""}  # what the browser sends: the cookie, no bearer header
    hit = client.get("/api/v1/search", params={"q": "thursday"}, headers=browser).json()["items"][0]
    assert f"sid={session_id}" in hit["thumbnail_url"] and f"sid={session_id}" in hit["stream_url"]
    anonymous = Anonymous(client)
    cookie = client.cookies.get("framewise_session")
    client.cookies.clear()  # the link alone, as a shared or copied URL
    assert anonymous.get(hit["thumbnail_url"]).status_code == 200
    stream = hit["stream_url"].split("#")[0]
    assert anonymous.get(stream, headers={"Range": "bytes=0-9"}).status_code == 206
    other_session = stream.replace(session_id, "0" * 32)
    assert_problem(anonymous.get(other_session), 403)  # the session is under the signature
    unbound = re.sub(r"&sid=[0-9a-f]+", "", stream)
    assert_problem(anonymous.get(unbound), 403)

    client.cookies.set("framewise_session", cookie)
    own_origin = {"Authorization": "", "Origin": "http://testserver"}
    assert client.delete("/api/v1/session", headers=own_origin).status_code == 204
    client.cookies.clear()
    ended = assert_problem(anonymous.get(hit["thumbnail_url"]), 403)
    assert "sign in again" in ended["detail"]
    assert_problem(anonymous.get(stream, headers={"Range": "bytes=0-9"}), 403)
    bearer_hit = client.get("/api/v1/search", params={"q": "thursday"}).json()["items"][0]
    assert "sid=" not in bearer_hit["stream_url"]  # a program's links live until they expire
    assert anonymous.get(bearer_hit["thumbnail_url"]).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 501},
        {"q": "a\x00b"},
        {"types": "transcript,poems"},
        {"near": "dog"},
        {"near": "animal:dog"},
        {"near": "object:"},
        {"from_ms": "5000", "to_ms": "4000"},
        {"from_ms": "-1"},
        {"min_confidence": "2"},
        {"limit": "0"},
        {"sort": "random"},
        {"q": "-foo"},  # only an exclusion: nothing to search for
        {"q": '""'},
        {"q": "!?"},  # only punctuation
        {"q": '- "" -bar'},
        {"q": "fox", "lang": "xx"},  # not a language code
        {"q": "fox", "lang": "french"},
    ],
)
def test_bad_searches_are_422_problems(client: TestClient, params: dict) -> None:
    assert_problem(client.get("/api/v1/search", params=params), 422)


def test_jumps_and_labels_check_their_input(client: TestClient, analysed: dict) -> None:
    unknown = str(uuid4())
    assert_problem(client.get("/api/v1/search/next", params={"q": "x", "video_id": unknown, "at_ms": 0}), 404)
    assert_problem(client.get("/api/v1/search/next", params={"q": "x", "video_id": "nope", "at_ms": 0}), 422)
    assert_problem(client.get("/api/v1/search/previous", params={"video_id": analysed["video_id"]}), 422)
    jump = client.get("/api/v1/search/next", params={"q": "arrows", "video_id": analysed["video_id"], "at_ms": 0})
    assert jump.json()["hit"]["start_ms"] == 2100 and jump.json()["wrapped"] is False
    again = client.get("/api/v1/search/next", params={"q": "arrows", "video_id": analysed["video_id"], "at_ms": 2100})
    assert again.json()["hit"]["start_ms"] == 2100 and again.json()["wrapped"] is True
    assert_problem(client.get("/api/v1/labels", params={"type": "poems"}), 422)
    scenes = client.get("/api/v1/labels", params={"type": "scene"}).json()["items"]
    assert sorted(s["label"] for s in scenes) == ["scene 1", "scene 2", "scene 3", "scene 4"]


def test_byte_ranges_match_the_file_and_bad_ones_are_problems(client: TestClient, analysed: dict) -> None:
    data, url = analysed["file"].read_bytes(), f"/api/v1/videos/{analysed['video_id']}/stream"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == data and whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    for header, start, end in (
        ("bytes=10-19", 10, 19),
        ("bytes=-16", len(data) - 16, len(data) - 1),
        ("bytes=100-", 100, len(data) - 1),
    ):
        part = client.get(url, headers={"Range": header})
        assert part.status_code == 206 and part.content == data[start : end + 1]
        assert part.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
    past = assert_problem(client.get(url, headers={"Range": f"bytes={len(data)}-"}), 416)
    assert "bytes" in past["detail"]
    assert client.get(url, headers={"Range": f"bytes={len(data)}-"}).headers["content-range"] == f"bytes */{len(data)}"
    for bad in ("bytes=abc", "bytes=5-2", "items=0-1", "bytes=-", "bytes=1-2-3"):
        assert_problem(client.get(url, headers={"Range": bad}), 400)
    assert_problem(client.get(f"/api/v1/videos/{uuid4()}/stream"), 404)


def test_a_video_whose_file_went_away_is_a_problem_naming_it_not_a_500(
    client: TestClient, analysed: dict, media_root: Path
) -> None:
    """Deleted before discovery noticed: a 409 naming the file as the library knows it (a browser's
    <video> asked it again and again, and each 500 held a connection for seconds)."""
    analysed["file"].unlink()
    body = assert_problem(client.get(f"/api/v1/videos/{analysed['video_id']}/stream"), 409)
    assert "clip.mp4" in body["detail"] and "is not there any more" in body["detail"]
    assert str(media_root) not in body["detail"]


def test_thumbnails_show_the_frame_at_that_time_and_refuse_times_outside(client: TestClient, analysed: dict) -> None:
    video: SampleVideo = analysed["video"]
    url = f"/api/v1/videos/{analysed['video_id']}/thumbnail"
    for shot, segment in enumerate(video.segments):
        middle = [0, *video.cut_ms()][shot] + 1000
        still = client.get(url, params={"t_ms": middle})
        assert still.status_code == 200
        image = Image.open(io.BytesIO(still.content)).convert("RGB")
        assert image.size == (video.width, video.height)
        corner = image.getpixel((5, 5))  # the background, away from the word and the square
        assert all(abs(a - b) < 24 for a, b in zip(corner, segment.color, strict=True)), (shot, corner, segment.color)
    assert client.get(url, params={"t_ms": 1000}).content == client.get(url, params={"t_ms": 1000}).content  # cached
    assert_problem(client.get(url, params={"t_ms": video.duration_ms + 1000}), 422)
    assert_problem(client.get(url, params={"t_ms": -1}), 422)
    assert_problem(client.get(url, params={"t_ms": 10, "width": 5}), 422)


def test_captions_and_chapters_parse_in_real_parsers(client: TestClient, analysed: dict) -> None:
    base = f"/api/v1/videos/{analysed['video_id']}"
    vtt = client.get(f"{base}/captions.vtt")
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    captions = webvtt.from_string(vtt.text)
    assert [(c.start, c.end, html.unescape(c.text)) for c in captions] == [
        ("00:00:00.300", "00:00:01.900", "Meet me on Thursday."),
        ("00:00:02.100", "00:00:03.500", "Bring the --> arrows"),  # escaped (--&gt;): text, never a timing line
    ]
    subtitles = list(srt.parse(client.get(f"{base}/captions.srt").text))
    assert [(s.start.total_seconds(), s.content) for s in subtitles] == [
        (0.3, "Meet me on Thursday."),
        (2.1, "Bring the -> arrows"),
    ]
    chapters = webvtt.from_string(client.get(f"{base}/chapters.vtt").text)
    assert [c.text for c in chapters] == ["Scene 1", "Scene 2", "Scene 3", "Scene 4"]


def test_signed_links_work_without_a_token_and_fail_when_altered_or_expired(client: TestClient, analysed: dict) -> None:
    video_id = UUID(analysed["video_id"])
    signer: MediaSigner = client.app.state.media_signer  # type: ignore[attr-defined]
    anonymous = Anonymous(client)
    base = f"/api/v1/videos/{video_id}/captions.vtt"
    good = signer.query("captions", video_id)
    assert anonymous.get(f"{base}?{good}").status_code == 200
    assert_problem(anonymous.get(base), 401)
    fields = {k: v[0] for k, v in parse_qs(good).items()}
    altered_sig = fields["sig"][:-1] + ("0" if fields["sig"][-1] != "0" else "1")
    assert_problem(anonymous.get(f"{base}?exp={fields['exp']}&sig={altered_sig}"), 403)
    assert_problem(anonymous.get(f"{base}?exp={int(fields['exp']) + 1}&sig={fields['sig']}"), 403)
    other = uuid4()
    assert_problem(anonymous.get(f"/api/v1/videos/{other}/captions.vtt?{good}"), 403)  # bound to its video
    expired = signer.query("captions", video_id, now=time.time() - 7200)
    assert_problem(anonymous.get(f"{base}?{expired}"), 403)
    assert_problem(anonymous.get(f"{base}?exp=1"), 403)  # incomplete
    assert client.get(base).status_code == 200  # the bearer header keeps working for programs
