"""Weights dropped into the model cache are picked up without a restart, across real processes.

The stack starts with a model cache that lacks the face detector's weights. The faces task waits
PENDING, and the API says why (the model and the missing files) in the task and in
`GET /api/v1/system`, while the other analyses complete. Its job is re-checked, backing off, and the
worker logs it once, not once per re-check. Then the weights are copied into the cache: the ML service
(the same process) loads them when next asked about its models, and the waiting task completes with
face artifacts; the worker logs that it stopped waiting, once."""

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_dev.media import SampleVideo
from tests.e2e.processes import Stack, running_stack
from tests.e2e.waits import NotYet, wait_until

pytestmark = pytest.mark.e2e
FACES = [
    *("faces/mtcnn/pnet.pt", "faces/mtcnn/rnet.pt", "faces/mtcnn/onet.pt"),
    *("faces/dlib/shape_predictor_5_face_landmarks.dat", "faces/dlib/dlib_face_recognition_resnet_model_v1.dat"),
]


def tasks_by_type(stack: Stack) -> dict[str, dict[str, Any]]:
    with stack.api() as api:
        return {t["task_type"]: t for t in api.get("/api/v1/tasks").json()["items"]}


def task_lines(stack: Stack, task_id: str) -> list[dict[str, object]]:
    """Every line the workers logged about the task: theirs (task_id) and arq's (its job id)."""
    return [
        line
        for worker in stack.workers()
        for line in worker.lines()
        if line.get("task_id") == task_id or f"task:{task_id}:" in str(line.get("event"))
    ]


def waiting_faces(stack: Stack) -> dict[str, Any]:
    def waiting() -> dict[str, Any] | None:
        faces = tasks_by_type(stack).get("face_detection")
        return faces if faces and faces["waiting_reason"] else None

    return wait_until(waiting, timeout=120, message="the faces task to say why it waits")


def others_completed(stack: Stack) -> None:
    def done() -> bool:
        tasks = tasks_by_type(stack)
        others = [t for k, t in tasks.items() if k != "face_detection"]
        if any(t["status"] == "FAILED" for t in others):
            pytest.fail(f"an analysis failed: {others}")
        return len(tasks) == 6 and all(t["status"] == "COMPLETED" for t in others)

    wait_until(done, timeout=300, message="every other analysis to complete while faces waits")


def recheck_scores(valkey_url: str, queue: str, job_id: str, count: int) -> list[float]:
    """The times (arq's scores, ms) the waiting task's job was put back on its queue for, `count` of them."""
    scores: list[float] = []
    with SyncRedis.from_url(valkey_url) as valkey:

        def rechecked() -> bool:
            score = valkey.zscore(queue, job_id)
            if score is not None and (not scores or score != scores[-1]):
                scores.append(score)
            if len(scores) < count:
                raise NotYet(f"re-checks seen: {len(scores)}")
            return True

        wait_until(rechecked, timeout=120, message="the waiting task to be re-checked several times")
    return scores


def faces_completed(stack: Stack) -> dict[str, Any]:
    def completed() -> dict[str, Any] | None:
        done = tasks_by_type(stack)["face_detection"]
        if done["status"] == "FAILED":
            pytest.fail(f"the faces task failed: {done}")
        return done if done["status"] == "COMPLETED" else None

    return wait_until(completed, timeout=180, message="the waiting faces task to complete")


@pytest.mark.timeout(600)
async def test_weights_copied_into_the_cache_are_used_without_a_restart_and_the_waiting_task_completes(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    model_cache: Path,
    analysis_video: SampleVideo,
) -> None:
    cache = tmp_path / "models"
    shutil.copytree(model_cache, cache)
    shutil.rmtree(cache / "faces")
    shutil.copy(analysis_video.path, media_root / "analysis.mp4")
    env = {"UNAVAILABLE_RECHECK_S": "1", "UNAVAILABLE_RECHECK_MAX_S": "4"}
    with running_stack(
        tmp_path, database_url=database_url, valkey_url=valkey_url, media_root=media_root, model_cache=cache, env=env
    ) as stack:
        ml = stack.services["ml"]
        with stack.api() as api:
            assert api.post("/api/v1/paths/discover").status_code == 200
        faces = waiting_faces(stack)
        assert faces["status"] == "PENDING" and faces["error"] is None and faces["waiting_since"]
        assert faces["waiting_reason"].startswith(f"faces model unavailable: weights {', '.join(FACES)} missing")
        others_completed(stack)
        with stack.api() as api:
            system = api.get("/api/v1/system").json()
        assert system["ml"]["reachable"] and system["ml"]["models"]["faces"]["missing"] == FACES
        assert system["tasks"]["waiting"] == 1 and system["tasks"]["by_type"]["face_detection"] == {"PENDING": 1}

        # Re-checked meanwhile: its job goes back on its queue each time, no sooner than a delay that
        # grows with the wait (from 1 s, doubling); and logged once, not once per re-check.
        scores = recheck_scores(valkey_url, faces["queue"], faces["job_id"], 5)
        gaps = [b - a for a, b in itertools.pairwise(scores)]
        assert all(gap >= 1000 for gap in gaps) and gaps[-1] >= 2000, gaps
        before = task_lines(stack, faces["id"])
        deferred = [line for line in before if line.get("event") == "job_deferred"]
        assert len(deferred) == 1 and deferred[0]["reason"] == faces["waiting_reason"]
        assert len(before) <= 4, before  # its first run (started, arq's start line, deferred): nothing per re-check

        # The weights arrive: no restart, the same ML process loads them and the task completes.
        shutil.copytree(model_cache / "faces", cache / "faces")
        done = faces_completed(stack)
        assert done["waiting_reason"] is None and done["waiting_since"] is None
        assert ml.process.poll() is None and stack.services["ml"] is ml  # the same process throughout
        assert [line["state"] for line in ml.events("model_loaded", model="faces")] == ["failed", "ready"]
        with stack.api() as api:
            found = api.get(f"/api/v1/videos/{done['video_id']}/artifacts", params={"artifact_type": "face"})
            assert found.json()["total"] >= 1
            assert api.get("/api/v1/system").json()["ml"]["models"]["faces"]["state"] == "ready"
        stopped = [line for line in task_lines(stack, faces["id"]) if line.get("event") == "task_stopped_waiting"]
        assert len(stopped) == 1
