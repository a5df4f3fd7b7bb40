"""The worker's ML client decides whether to start a task: the analysis must be ready, and the
service reachable, or the task waits PENDING instead of spending its tries."""

import httpx
import pytest

from framewise.application.results import MlTransientError
from framewise.contracts.ml import InferenceRequest
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient

pytestmark = pytest.mark.integration


async def test_an_unreachable_service_means_not_available() -> None:
    async with HttpxMlClient.create("http://127.0.0.1:1") as client:
        availability = await HttpxMlClient(client, RetryPolicy()).is_available(TaskType.OCR)
        assert not availability.available
        assert availability.reason == "the ML service is unreachable (ConnectError)"


async def test_availability_follows_each_model_state_in_health() -> None:
    health = {
        "models": {
            "ocr": {"state": "ready"},
            "objects": {"state": "failed", "reason": "weights yolo/yolo11n.pt missing from the model cache"},
            "faces": {"state": "loading", "reason": "loading the weights that arrived"},
        }
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=health))
    async with httpx.AsyncClient(transport=transport, base_url="http://ml") as client:
        ml = HttpxMlClient(client, RetryPolicy())
        assert (await ml.is_available(TaskType.OCR)).available
        objects = await ml.is_available(TaskType.OBJECT_DETECTION)
        assert objects.reason == "objects model unavailable: weights yolo/yolo11n.pt missing from the model cache"
        faces = await ml.is_available(TaskType.FACE_DETECTION)
        assert faces.reason == "faces model loading: loading the weights that arrived"
        places = await ml.is_available(TaskType.PLACE_DETECTION)  # not listed: not ready
        assert places.reason == "places model is not part of the ML service"


async def test_a_failed_call_forgets_the_cached_health_so_the_next_task_waits() -> None:
    # The service answered /health a moment ago, then went away mid-request: the next task must find
    # it down at once (and wait PENDING), not trust the cached "ready" and spend a try on it.
    up = {"value": True}
    health = {"models": {"ocr": {"state": "ready"}}}

    def answer(request: httpx.Request) -> httpx.Response:
        if not up["value"]:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=health)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://ml") as client:
        ml = HttpxMlClient(client, RetryPolicy(calls_per_try=1), health_ttl=60.0)
        assert (await ml.is_available(TaskType.OCR)).available
        up["value"] = False
        assert (await ml.is_available(TaskType.OCR)).available  # cached, as designed, until a call fails
        with pytest.raises(MlTransientError):
            await ml.infer(TaskType.OCR, InferenceRequest(video_path="/v.mp4"), correlation_id="c")
        assert not (await ml.is_available(TaskType.OCR)).available
        up["value"] = True
        assert (await ml.is_available(TaskType.OCR)).available
