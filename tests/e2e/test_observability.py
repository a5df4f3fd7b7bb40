"""The metrics and logs an operator relies on, from the real processes: every service's /metrics
passes `promtool check metrics`, the counters and histograms move when a task completes, the queue
depth gauge follows the jobs, every metric the Grafana dashboard queries is exported, and one
correlation id is in the API's, both workers' and the ML service's JSON log lines."""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.e2e.processes import free_port, running_stack
from tests.tools import require_tool

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
WITH_WEIGHTS = ("scene_detection", "face_detection", "ocr", "transcription")


def scrape(url: str) -> str:
    return httpx.get(f"{url}/metrics", timeout=10).text


def families(text: str) -> set[str]:
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


def value(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    total, found = 0.0, False
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        sample_labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if all(sample_labels.get(k) == v for k, v in labels.items()):
            total, found = total + float(line.rsplit(" ", 1)[1]), True
    assert found, f"no sample of {name} with {labels}"
    return total


def promtool_lint(promtool: str, text: str) -> str:
    """`promtool check metrics` on one scrape: the empty string when it passes, else its complaint."""
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def dashboard_metrics() -> set[str]:
    dashboard = json.loads((ROOT / "grafana" / "dashboards" / "framewise-health.json").read_text())
    names = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names |= set(re.findall(r"\b(framewise_[a-z_]+)", target["expr"]))
    return {re.sub(r"_(bucket|count|sum)$", "", name) for name in names}


@pytest.mark.timeout(600)
async def test_metrics_move_and_one_correlation_id_traces_a_task_through_every_service(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    model_cache: Path,
    analysis_video: SampleVideo,
) -> None:
    promtool = require_tool("promtool")
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(analysis_video.path, media / "clip.mp4")
    ports = {"worker-gpu": free_port(), "worker-cpu": free_port()}
    worker_env = {name: {"WORKER_METRICS_PORT": str(port)} for name, port in ports.items()}
    # Objects and places are set to models whose weights are not in the cache, so that the deferred
    # outcome and the queue gauge are seen moving too.
    unavailable = {"OBJECTS_MODEL": "yolo11", "PLACES_MODEL": "places365"}
    with running_stack(
        tmp_path, database_url=database_url, valkey_url=valkey_url, media_root=media.resolve(),
        model_cache=model_cache, worker_env=worker_env, env=unavailable,
    ) as stack, stack.api() as api:  # fmt: skip
        urls = {"api": stack.api_url, "ml": stack.ml_url} | {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}
        before = {name: scrape(url) for name, url in urls.items()}
        assert {name: promtool_lint(promtool, text) for name, text in before.items()} == dict.fromkeys(before, "")
        assert value(before["api"], "framewise_queue_depth", queue="gpu_jobs") == 0

        found = api.post("/api/v1/paths/discover", headers={"X-Correlation-ID": "metrics-trace-1"}).json()
        assert found["tasks_created"] == 6
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            tasks = {t["task_type"]: t["status"] for t in api.get("/api/v1/tasks").json()["items"]}
            if all(tasks.get(t) == "COMPLETED" for t in WITH_WEIGHTS):
                break
            time.sleep(0.5)
        assert all(tasks.get(t) == "COMPLETED" for t in WITH_WEIGHTS), tasks

        after = {name: scrape(url) for name, url in urls.items()}
        # The two analyses without weights wait, deferred, on gpu_jobs: the gauge shows exactly them.
        assert value(after["api"], "framewise_queue_depth", queue="gpu_jobs") == 2
        assert value(after["api"], "framewise_queue_depth", queue="cpu_jobs") == 0
        assert value(after["api"], "framewise_http_requests_total", route="/api/v1/paths/discover") >= 1
        cpu, gpu = after["worker-cpu"], after["worker-gpu"]
        outcome = "framewise_worker_job_outcomes_total"
        assert value(cpu, outcome, task_type="scene_detection", outcome="completed") == 1
        assert value(gpu, outcome, outcome="completed") == 3
        assert value(gpu, outcome, outcome="deferred") >= 2
        duration = "framewise_worker_task_duration_seconds_count"
        assert value(gpu, duration, task_type="transcription", outcome="completed") == 1
        for model in ("scenes", "faces", "ocr", "transcribe"):
            assert value(after["ml"], "framewise_ml_requests_total", model=model, outcome="ok") >= 1
            assert value(after["ml"], "framewise_ml_compute_seconds_count", model=model) >= 1

        exported = set().union(*(families(text) for text in after.values()))
        assert dashboard_metrics() <= exported, sorted(dashboard_metrics() - exported)

        traced = {
            name
            for name, service in stack.services.items()
            if any(line.get("correlation_id") == "metrics-trace-1" for line in service.lines())
        }
        assert traced >= {"api", "worker-gpu", "worker-cpu", "ml"}, traced
