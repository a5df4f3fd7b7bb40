"""Enqueue, cancel and retry through the real API on real PostgreSQL and Valkey."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis

from framewise_dev.media import SampleVideo

pytestmark = pytest.mark.integration


@pytest.fixture
def discovered(client: TestClient, media_root: Path, sample_video: SampleVideo) -> dict[str, dict]:  # type: ignore[type-arg]
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    return {t["task_type"]: t for t in client.get("/api/v1/tasks").json()["items"]}


async def queued(redis: Redis, queue: str) -> set[str]:
    return {m.decode() for m in await redis.zrange(queue, 0, -1)}


async def test_cancelling_a_queued_task_removes_its_job_and_a_retry_queues_a_new_attempt(
    client: TestClient,
    discovered: dict[str, dict],  # type: ignore[type-arg]
    redis: Redis,
) -> None:
    task = discovered["ocr"]
    assert task["job_id"] in await queued(redis, "gpu_jobs")

    cancelled = client.post(f"/api/v1/tasks/{task['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert task["job_id"] not in await queued(redis, "gpu_jobs")
    assert not await redis.exists(f"arq:job:{task['job_id']}")

    retried = client.post(f"/api/v1/tasks/{task['id']}/retry")
    assert retried.status_code == 202
    body = retried.json()
    assert body["job_id"] == f"task:{task['id']}:2" and body["created"] is True
    assert body["job_id"] in await queued(redis, "gpu_jobs")
    now = client.get(f"/api/v1/tasks/{task['id']}").json()
    assert (now["status"], now["attempt"]) == ("PENDING", 2)


async def test_wrong_state_requests_get_409_and_change_nothing(
    client: TestClient,
    discovered: dict[str, dict],  # type: ignore[type-arg]
    redis: Redis,
) -> None:
    task = discovered["scene_detection"]
    before = await queued(redis, "cpu_jobs")
    refused = client.post(f"/api/v1/tasks/{task['id']}/retry")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "PENDING" in refused.json()["detail"]
    client.post(f"/api/v1/tasks/{task['id']}/cancel")
    assert client.post(f"/api/v1/tasks/{task['id']}/cancel").status_code == 409
    assert client.post(f"/api/v1/tasks/{task['id']}/enqueue").status_code == 409
    assert await queued(redis, "cpu_jobs") == before - {task["job_id"]}
    assert client.get(f"/api/v1/tasks/{task['id']}").json()["attempt"] == 1


async def test_enqueueing_a_queued_attempt_again_creates_no_second_job(
    client: TestClient,
    discovered: dict[str, dict],  # type: ignore[type-arg]
    redis: Redis,
) -> None:
    task = discovered["transcription"]
    answers = [client.post(f"/api/v1/tasks/{task['id']}/enqueue").json() for _ in range(3)]
    assert {a["job_id"] for a in answers} == {task["job_id"]}
    assert not any(a["created"] for a in answers)
    assert len(await queued(redis, "gpu_jobs")) == 5


def test_unknown_ids_get_404_and_malformed_ids_422(client: TestClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for action in ("enqueue", "cancel", "retry"):
        assert client.post(f"/api/v1/tasks/{missing}/{action}").status_code == 404
        assert client.post(f"/api/v1/tasks/not-a-uuid/{action}").status_code == 422
    assert client.get(f"/api/v1/videos/{missing}").status_code == 404


def test_videos_are_listed_filtered_and_fetched(
    client: TestClient,
    discovered: dict[str, dict],  # type: ignore[type-arg]
    media_root: Path,
) -> None:
    (media_root / "broken.mkv").write_bytes(b"not a video at all")
    client.post("/api/v1/paths/discover")
    everything = client.get("/api/v1/videos", params={"sort": "path", "order": "asc"}).json()
    assert [v["path"] for v in everything["items"]] == ["broken.mkv", "clip.mp4"] and everything["total"] == 2
    invalid = client.get("/api/v1/videos", params={"status": "invalid"}).json()["items"]
    assert [v["path"] for v in invalid] == ["broken.mkv"] and invalid[0]["error"]
    found = client.get("/api/v1/videos", params={"path_contains": "CLIP"}).json()["items"]
    assert [v["path"] for v in found] == ["clip.mp4"]
    assert client.get("/api/v1/videos", params={"path_contains": "%"}).json()["total"] == 0
    video = client.get(f"/api/v1/videos/{found[0]['id']}").json()
    assert video["status"] == "ready" and video["duration_ms"] > 0
    tasks = client.get(f"/api/v1/videos/{video['id']}/tasks").json()
    assert tasks["total"] == 6
    assert client.get("/api/v1/artifacts", params={"video_id": video["id"]}).json()["total"] == 0


def sample(metrics: str, name: str, **labels: str) -> float:
    wanted = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    for line in metrics.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{wanted} not in /metrics")


def test_the_queue_depth_gauge_follows_the_jobs(
    client: TestClient,
    discovered: dict[str, dict],  # type: ignore[type-arg]
) -> None:
    metrics = client.get("/metrics").text
    assert sample(metrics, "framewise_queue_depth", queue="gpu_jobs") == 5
    assert sample(metrics, "framewise_queue_depth", queue="cpu_jobs") == 1
    assert sample(metrics, "framewise_queue_oldest_job_age_seconds", queue="gpu_jobs") >= 0
    client.post(f"/api/v1/tasks/{discovered['ocr']['id']}/cancel")
    client.post(f"/api/v1/tasks/{discovered['scene_detection']['id']}/cancel")
    metrics = client.get("/metrics").text
    assert sample(metrics, "framewise_queue_depth", queue="gpu_jobs") == 4
    assert sample(metrics, "framewise_queue_depth", queue="cpu_jobs") == 0
    assert sample(metrics, "framewise_queue_oldest_job_age_seconds", queue="cpu_jobs") == 0
