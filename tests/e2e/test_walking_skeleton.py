"""The skeleton path across real processes: discovery -> queue -> CPU worker -> ML service -> PostgreSQL."""

import shutil
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.e2e.processes import running_stack

pytestmark = pytest.mark.e2e


def wait_for_status(api: str, task_type: str, status: str, timeout: float = 60.0) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = httpx.get(f"{api}/api/v1/tasks", params={"task_type": task_type}).json()["items"]
        if items and items[0]["status"] == status:
            return items[0]  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise TimeoutError(f"{task_type} did not reach {status}: {items}")


async def test_scene_detection_completes_across_real_processes_with_one_correlation_id(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    shutil.copy(sample_video.path, media_root / "sample.mp4")
    with running_stack(tmp_path, database_url=database_url, valkey_url=valkey_url, media_root=media_root) as stack:
        api = stack.api_url
        assert httpx.get(f"{api}/readyz").json()["status"] == "ok"
        health = httpx.get(f"{stack.ml_url}/health").json()
        assert health["models"]["scenes"]["state"] == "ready"
        assert health["models"]["objects"]["state"] == "failed"  # truthfully: not built here

        discovery = httpx.post(f"{api}/api/v1/paths/discover", headers={"X-Correlation-ID": "skeleton-trace-1"})
        assert discovery.status_code == 200 and discovery.json()["tasks_created"] == 6
        assert discovery.headers["X-Correlation-ID"] == "skeleton-trace-1"

        task = wait_for_status(api, "scene_detection", "COMPLETED")
        artifacts = httpx.get(f"{api}/api/v1/videos/{task['video_id']}/artifacts").json()

        scenes = [a["payload"] for a in artifacts["items"]]
        starts = [s["start_ms"] for s in scenes]
        frame_ms = 1000 / sample_video.fps
        assert len(scenes) == len(sample_video.cut_frames) + 1
        assert starts[0] == 0 and scenes[-1]["end_ms"] == sample_video.duration_ms
        for found, expected in zip(starts[1:], sample_video.cut_ms(), strict=True):
            assert abs(found - expected) <= frame_ms
        provenance = artifacts["items"][0]["provenance"]
        assert provenance["producer"] == "pyscenedetect" and provenance["input_hash"].startswith("fw1:")

        others = httpx.get(f"{api}/api/v1/tasks", params={"status": "PENDING"}).json()
        assert others["total"] == 5 and {t["queue"] for t in others["items"]} == {"gpu_jobs"}
        time.sleep(1.0)  # let the GPU worker defer what it cannot run yet

    gpu_task_ids = {t["id"] for t in others["items"]}
    for name in ("api", "worker-cpu", "ml"):
        lines = stack.services[name].lines()
        assert any(line.get("correlation_id") == "skeleton-trace-1" for line in lines), name
        assert all({"service", "level", "event", "correlation_id"} <= set(line) for line in lines), name
    cpu_jobs = {
        line.get("task_id") for line in stack.services["worker-cpu"].lines() if line.get("event") == "job_started"
    }
    assert cpu_jobs == {task["id"]}  # the CPU worker never received a GPU-class job
    assert not gpu_task_ids & cpu_jobs
