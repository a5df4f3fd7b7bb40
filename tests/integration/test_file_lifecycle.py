"""Files that move, are renamed, copied, deleted, come back and are forgotten, across discovery scans
through the real API on real PostgreSQL and Valkey: a video is its content, so none of this costs an
analysis, and its results stay readable throughout."""

import asyncio
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import DiscoveryReport
from framewise.application.video_registration import VideoRegistration
from framewise.domain.artifact import envelopes_for, validate_payload
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import moments_of
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.video import FileStat
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.av_prober import AvMediaProber
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.tables import artifacts, moments, runs, tasks, video_files, videos
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise_api.migrate import downgrade, upgrade
from framewise_dev.media import SampleVideo, Segment, make_sample_video
from framewise_dev.stores import EmbeddedStores

pytestmark = pytest.mark.integration
Json = dict[str, Any]


@pytest.fixture(scope="module")
def other_video(tmp_path_factory: pytest.TempPathFactory) -> SampleVideo:
    """A second real video, other bytes than the sample's."""
    folder = tmp_path_factory.mktemp("other")
    segment = Segment(0.2, (20, 20, 200), moving_square=False)
    return make_sample_video(folder / "other.mp4", segments=[segment], fps=10, width=32, height=32)


def discover(client: TestClient) -> Json:
    answer = client.post("/api/v1/paths/discover")
    assert answer.status_code == 200, answer.text
    body: Json = answer.json()
    return body


def video(client: TestClient, video_id: str) -> Json:
    answer = client.get(f"/api/v1/videos/{video_id}")
    assert answer.status_code == 200, answer.text
    body: Json = answer.json()
    return body


def files_of(body: Json) -> list[tuple[str, bool]]:
    return [(f["path"], f["missing_since"] is None) for f in body["locations"]]


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def seed_results(engine: AsyncEngine, video_id: str) -> None:
    """An OCR run with two artifacts and their moments, as a worker would have committed them."""
    async with engine.connect() as connection:
        task_id = await connection.scalar(
            select(tasks.c.id).where(tasks.c.video_id == UUID(video_id), tasks.c.task_type == "ocr")
        )
    run = Provenance(
        producer="easyocr",
        producer_version="1.7.2",
        model_profile="balanced",
        config_hash="h",
        input_hash="fw1:x",
        run_id=f"run-{video_id}",
        device="cpu",
        weights="none",
    )
    items: list[Any] = [
        {"text": word, "confidence": 0.9, "polygon": [{"x": 0, "y": 0}, {"x": 9, "y": 0}, {"x": 9, "y": 5}]}
        | {"frame_index": k * 25, "timestamp_ms": k * 1000}
        for k, word in enumerate(["hello", "world"])
    ]
    envelopes = envelopes_for(
        task_type=TaskType.OCR,
        video_id=VideoId(UUID(video_id)),
        task_id=TaskId(task_id),
        attempt=1,
        items=[validate_payload(TaskType.OCR, i) for i in items],
        provenance=run,
        now=datetime.now(UTC),
    )
    found = moments_of(ArtifactType.OCR_TEXT, [e.payload for e in envelopes], config={}, run_id=run.run_id)
    uow = SqlUnitOfWork(session_factory(engine))
    async with uow:
        await uow.artifacts.replace_for_task(TaskId(task_id), envelopes, found)
        await uow.commit()


def artifacts_of(client: TestClient, video_id: str) -> int:
    total: int = client.get(f"/api/v1/videos/{video_id}/artifacts").json()["total"]
    return total


async def test_rename_move_delete_and_return_keep_one_video_its_tasks_and_its_results(
    client: TestClient, engine: AsyncEngine, media_root: Path, sample_video: SampleVideo, tmp_path: Path
) -> None:
    shutil.copy(sample_video.path, media_root / "a.mp4")
    first = discover(client)
    assert (len(first["new"]), first["tasks_created"]) == (1, 6)
    video_id = str(first["new"][0])
    await seed_results(engine, video_id)
    task_ids = {t["id"] for t in client.get(f"/api/v1/videos/{video_id}/tasks").json()["items"]}

    # A rename into a sub-folder: the same video, nothing analysed again.
    (media_root / "sub").mkdir()
    os.rename(media_root / "a.mp4", media_root / "sub" / "renamed.mp4")
    renamed = discover(client)
    assert (renamed["moved"], renamed["missing"], renamed["new"], renamed["tasks_created"]) == (
        ["sub/renamed.mp4"],
        ["a.mp4"],
        [],
        0,
    )
    now = video(client, video_id)
    assert (now["path"], now["status"], now["missing_since"]) == ("sub/renamed.mp4", "ready", None)
    assert files_of(now) == [("a.mp4", False), ("sub/renamed.mp4", True)]
    assert artifacts_of(client, video_id) == 2

    # Deleted (moved out of every root): MISSING, its results still there and listed as missing.
    outside = tmp_path / "elsewhere.mp4"
    os.rename(media_root / "sub" / "renamed.mp4", outside)
    gone = discover(client)
    assert (gone["missing"], gone["scanned"]) == (["sub/renamed.mp4"], 0)
    now = video(client, video_id)
    assert now["status"] == "missing" and now["missing_since"] is not None
    assert files_of(now) == [("a.mp4", False), ("sub/renamed.mp4", False)]
    assert [v["id"] for v in client.get("/api/v1/videos", params={"status": "missing"}).json()["items"]] == [video_id]
    assert client.get("/api/v1/videos", params={"status": "ready"}).json()["total"] == 0
    assert artifacts_of(client, video_id) == 2
    assert client.get(f"/api/v1/videos/{video_id}/stream").status_code == 409, "nothing to play"
    assert discover(client)["missing"] == [], "a file is reported missing once"

    # Back where it was, untouched (a rename keeps the mtime): trusted unread, READY again.
    os.rename(outside, media_root / "sub" / "renamed.mp4")
    back = discover(client)
    assert (back["returned"], back["new"], back["tasks_created"]) == (["sub/renamed.mp4"], [], 0)
    now = video(client, video_id)
    assert (now["status"], now["missing_since"], now["path"]) == ("ready", None, "sub/renamed.mp4")

    # Back at its first path as a fresh copy (another mtime): fingerprinted, known, the same video.
    os.rename(media_root / "sub" / "renamed.mp4", outside)
    discover(client)
    shutil.copy(outside, media_root / "a.mp4")
    returned = discover(client)
    assert (returned["returned"], returned["new"], returned["changed"], returned["tasks_created"]) == (
        ["a.mp4"],
        [],
        [],
        0,
    )
    now = video(client, video_id)
    assert (now["path"], now["status"]) == ("a.mp4", "ready")
    assert files_of(now) == [("a.mp4", True), ("sub/renamed.mp4", False)]

    assert {t["id"] for t in client.get(f"/api/v1/videos/{video_id}/tasks").json()["items"]} == task_ids
    assert (await count(engine, videos), await count(engine, tasks), artifacts_of(client, video_id)) == (1, 6, 2)
    hits = client.get("/api/v1/search", params={"q": "hello"}).json()["items"]
    assert [(h["video_id"], h["video_path"]) for h in hits] == [(video_id, "a.mp4")], "search shows the primary path"


async def test_identical_content_under_two_paths_is_analysed_once_and_shared(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "a.mp4")
    (media_root / "dir").mkdir()
    shutil.copy(sample_video.path, media_root / "dir" / "b.mp4")

    report = discover(client)

    assert (len(report["new"]), report["copies"], report["tasks_created"], report["jobs_enqueued"]) == (
        1,
        ["dir/b.mp4"],
        6,
        6,
    )
    assert await redis.zcard("gpu_jobs") + await redis.zcard("cpu_jobs") == 6
    listed = client.get("/api/v1/videos").json()
    assert listed["total"] == 1
    video_id = listed["items"][0]["id"]
    assert (listed["items"][0]["path"], files_of(listed["items"][0])) == (
        "a.mp4",
        [("a.mp4", True), ("dir/b.mp4", True)],
    )
    by_copy = client.get("/api/v1/videos", params={"path_contains": "b.mp4"}).json()["items"]
    assert [v["id"] for v in by_copy] == [video_id], "a copy's path finds the video"

    # One more copy later costs nothing; losing the primary copy moves the primary to one still there.
    shutil.copy(sample_video.path, media_root / "c.mp4")
    assert (discover(client)["copies"], await count(engine, tasks)) == (["c.mp4"], 6)
    (media_root / "a.mp4").unlink()
    lost = discover(client)
    assert lost["missing"] == ["a.mp4"]
    now = video(client, video_id)
    assert (now["path"], now["status"]) == ("c.mp4", "ready")
    assert client.get(f"/api/v1/videos/{video_id}/stream").status_code in (200, 206)


async def test_two_files_that_swap_contents_keep_their_videos_and_cost_no_analysis(
    client: TestClient,
    engine: AsyncEngine,
    media_root: Path,
    sample_video: SampleVideo,
    other_video: SampleVideo,
    tmp_path: Path,
) -> None:
    shutil.copy(sample_video.path, media_root / "x.mp4")
    shutil.copy(other_video.path, media_root / "y.mp4")
    first = discover(client)
    assert len(first["new"]) == 2
    owner = {v["content_hash"]: v["id"] for v in client.get("/api/v1/videos").json()["items"]}
    hash_of = {v["path"]: v["content_hash"] for v in client.get("/api/v1/videos").json()["items"]}

    os.rename(media_root / "x.mp4", tmp_path / "swap.mp4")
    os.rename(media_root / "y.mp4", media_root / "x.mp4")
    os.rename(tmp_path / "swap.mp4", media_root / "y.mp4")
    swapped = discover(client)

    assert (swapped["new"], swapped["changed"], swapped["tasks_created"]) == ([], [], 0)
    assert await count(engine, tasks) == 12
    items = client.get("/api/v1/videos").json()["items"]
    assert {v["id"]: v["content_hash"] for v in items} == {i: h for h, i in owner.items()}, "each video kept its id"
    assert {v["path"]: v["content_hash"] for v in items} == {"x.mp4": hash_of["y.mp4"], "y.mp4": hash_of["x.mp4"]}
    assert all(v["status"] == "ready" and len(v["locations"]) == 1 for v in items)


async def test_forgetting_a_video_deletes_everything_found_in_it_never_its_file(
    client: TestClient, engine: AsyncEngine, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "a.mp4")
    shutil.copy(sample_video.path, media_root / "b.mp4")
    video_id = str(discover(client)["new"][0])
    await seed_results(engine, video_id)
    assert (await count(engine, runs), await count(engine, artifacts), await count(engine, moments)) == (1, 2, 2)
    before = (media_root / "a.mp4").read_bytes()

    forgotten = client.delete(f"/api/v1/videos/{video_id}")

    assert (forgotten.status_code, forgotten.content) == (204, b"")
    for table in (videos, video_files, tasks, runs, artifacts, moments):
        assert await count(engine, table) == 0, table.name
    assert (media_root / "a.mp4").read_bytes() == before and (media_root / "b.mp4").exists()
    assert client.get(f"/api/v1/videos/{video_id}").status_code == 404
    again = client.delete(f"/api/v1/videos/{video_id}")
    assert again.status_code == 404 and again.headers["content-type"].startswith("application/problem+json")
    assert client.delete("/api/v1/videos/not-a-uuid").status_code == 422

    rediscovered = discover(client)
    assert (len(rediscovered["new"]), rediscovered["copies"], rediscovered["tasks_created"]) == (1, ["b.mp4"], 6)


async def test_concurrent_registrations_of_the_same_new_content_make_one_video(
    engine: AsyncEngine, redis: Redis, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    """An upload and a scan can meet on the same new content: the fingerprint lock makes them take
    turns, so each later one joins the first one's video."""
    names = [f"c{i}.mp4" for i in range(4)]
    for name in names:
        shutil.copy(sample_video.path, media_root / name)
    pool = await open_pool(valkey_url)
    report = DiscoveryReport()

    def registration() -> VideoRegistration:
        library = LocalMediaLibrary([str(media_root)])
        uow = SqlUnitOfWork(session_factory(engine))
        return VideoRegistration(uow, library, AvMediaProber(), ArqJobQueue(pool), SystemClock())

    try:
        stats = [FileStat(str(media_root), n, (media_root / n).stat().st_size, 1.0) for n in names]
        await asyncio.gather(*(registration().register(s, "c", report) for s in stats))
    finally:
        await pool.aclose()

    assert (len(report.new), len(report.copies), report.tasks_created) == (1, 3, 6)
    assert (await count(engine, videos), await count(engine, video_files), await count(engine, tasks)) == (1, 4, 6)


async def test_the_migration_gives_every_existing_video_its_file_and_rolls_back(stores: EmbeddedStores) -> None:
    name = f"lifecycle_{uuid4().hex[:8]}"
    stores.postgres.psql(f'CREATE DATABASE "{name}";')
    url = stores.postgres.get_uri(name)
    await asyncio.to_thread(upgrade, url, "0006")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, discovered_at) "
                    "VALUES (:id, '/media', 'a.mp4', 7, 1.5, 'fw1:0', 'ready', now())"
                ),
                {"id": uuid4()},
            )
        await asyncio.to_thread(upgrade, url, "0007")
        async with engine.connect() as connection:
            rows = (
                await connection.execute(text("SELECT root, path, size, mtime, missing_since FROM video_files"))
            ).all()
        assert [tuple(r) for r in rows] == [("/media", "a.mp4", 7, 1.5, None)]

        await asyncio.to_thread(downgrade, url, "0006")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            unique = await connection.run_sync(lambda c: inspect(c).get_unique_constraints("videos"))
        assert "video_files" not in tables
        assert [u["column_names"] for u in unique] == [["root", "path"]]
    finally:
        await engine.dispose()
