"""Retry and cancel many tasks at once through the real API on real PostgreSQL and Valkey: the
filters pick exactly their tasks, the action applies to those whose status allows it, the rest are
counted and untouched, and the queue follows."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo, Segment, make_sample_video

pytestmark = pytest.mark.integration


async def queued(redis: Redis) -> set[str]:
    return {m.decode() for q in ("gpu_jobs", "cpu_jobs") for m in await redis.zrange(q, 0, -1)}


def tasks(client: TestClient, **params: object) -> list[dict]:  # type: ignore[type-arg]
    return client.get("/api/v1/tasks", params={"limit": 100, **params}).json()["items"]  # type: ignore[no-any-return]


async def test_bulk_retry_and_cancel_act_on_what_the_filters_select(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, sample_video: SampleVideo, tmp_path: Path
) -> None:
    shutil.copy(sample_video.path, media_root / "a.mp4")
    make_sample_video(media_root / "b.mp4", segments=[Segment(1.0, (10, 120, 40), "B")])
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 12
    videos = {v["path"]: v["id"] for v in client.get("/api/v1/videos").json()["items"]}
    a, b = videos["a.mp4"], videos["b.mp4"]
    # Both videos' OCR and transcription failed, as a worker would have recorded it.
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE tasks SET status = 'FAILED', error = 'boom', error_kind = 'transient', "
                "started_at = now(), completed_at = now() WHERE task_type IN ('ocr', 'transcription')"
            )
        )

    refused = client.post("/api/v1/tasks/retry", json={"status": ["FAILED"], "task_type": ["subtitles"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "task_type", "0"]
    assert client.post("/api/v1/tasks/retry", json={"colour": "red"}).status_code == 422
    assert len(tasks(client, status="FAILED")) == 4  # refused requests changed nothing

    retried = client.post("/api/v1/tasks/retry", json={"task_type": ["ocr"], "video_id": a}).json()
    (ocr_a,) = [t for t in tasks(client, video_id=a) if t["task_type"] == "ocr"]
    assert (retried["matched"], retried["changed"], retried["task_ids"], retried["left"]) == (1, 1, [ocr_a["id"]], {})
    assert (ocr_a["status"], ocr_a["attempt"]) == ("PENDING", 2) and ocr_a["job_id"] in await queued(redis)

    for action in ("retry", "cancel"):  # no filter would be the whole library: it must be asked for by name
        for body in ({}, {"status": [], "task_type": [], "video_id": None}, {"all": False}):
            refused = client.post(f"/api/v1/tasks/{action}", json=body)
            assert refused.status_code == 422, refused.text
            assert '"all": true' in refused.json()["detail"]
    assert len(tasks(client, status="FAILED")) == 3 and len(tasks(client, status="PENDING")) == 9  # nothing changed
    everything = client.post("/api/v1/tasks/retry", json={"all": True}).json()  # every task, retried where it may be
    assert (everything["matched"], everything["changed"], everything["left"]) == (12, 3, {"PENDING": 9})
    assert tasks(client, status="FAILED") == []

    jobs_before = await queued(redis)
    b_jobs = {t["job_id"] for t in tasks(client, video_id=b)}
    cancelled = client.post("/api/v1/tasks/cancel", json={"video_id": b, "status": ["PENDING"]}).json()
    assert (cancelled["matched"], cancelled["changed"], cancelled["left"]) == (6, 6, {})
    assert {t["status"] for t in tasks(client, video_id=b)} == {"CANCELLED"}
    assert {t["status"] for t in tasks(client, video_id=a)} == {"PENDING"}
    assert await queued(redis) == jobs_before - b_jobs  # their jobs left the queues, the others stayed

    again = client.post("/api/v1/tasks/cancel", json={"video_id": b}).json()
    assert (again["matched"], again["changed"], again["left"]) == (6, 0, {"CANCELLED": 6})


def test_one_listing_gives_the_tasks_of_several_videos(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, sample_video: SampleVideo
) -> None:
    shutil.copy(sample_video.path, media_root / "a.mp4")
    make_sample_video(media_root / "b.mp4", segments=[Segment(1.0, (10, 120, 40), "B")])
    make_sample_video(media_root / "c.mp4", segments=[Segment(1.0, (120, 10, 40), "C")])
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 18
    videos = {v["path"]: v["id"] for v in client.get("/api/v1/videos").json()["items"]}
    a, b, c = videos["a.mp4"], videos["b.mp4"], videos["c.mp4"]

    both = tasks(client, video_id=[a, c], order="asc")  # the library page asks for its videos' chips at once
    assert len(both) == 12 and {t["video_id"] for t in both} == {a, c}
    assert [t["created_at"] for t in both] == sorted(t["created_at"] for t in both)
    assert {t["id"] for t in tasks(client, video_id=[b])} == {t["id"] for t in tasks(client, video_id=b)}
    assert len(tasks(client, video_id=[a, b, c], task_type="ocr")) == 3

    too_many = client.get("/api/v1/tasks", params={"video_id": [a] * 101})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["loc"] == ["query", "video_id"]
    assert client.get("/api/v1/tasks", params={"video_id": [a, "not-a-uuid"]}).status_code == 422


async def test_a_re_index_of_everything_must_say_all(
    client: TestClient, engine: AsyncEngine, redis: Redis, media_root: Path, sample_video: SampleVideo
) -> None:
    """Finding 5: `{"only_stale": false}` alone would have queued every task of the library again."""
    shutil.copy(sample_video.path, media_root / "a.mp4")
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    jobs = await queued(redis)
    refused = client.post("/api/v1/reindex", json={"only_stale": False})
    assert refused.status_code == 422 and '"all": true' in refused.json()["detail"]
    assert await queued(redis) == jobs
    assert client.post("/api/v1/reindex", json={}).status_code == 200  # only what changed: a filter of its own
    scoped = client.post("/api/v1/reindex", json={"only_stale": False, "task_types": ["ocr"], "dry_run": True})
    assert scoped.status_code == 200 and scoped.json()["matched"] == 1
    everything = client.post("/api/v1/reindex", json={"only_stale": False, "all": True, "dry_run": True})
    assert everything.status_code == 200 and everything.json()["matched"] == 6
