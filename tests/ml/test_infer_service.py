"""The inference service answers only items its payload schema accepts: a model that produces an
invalid item is a 500 `invalid-payload` that keeps nothing, and the worker's client fails the task
at once on it (no try spent on a bug a retry cannot fix)."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from redis.asyncio import Redis

from framewise.contracts.ml import InferenceRequest, MlProblem
from framewise.domain.errors import InvalidPayload
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.base import Prediction
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings
from tests.served import Served

pytestmark = pytest.mark.ml


class BackwardsScenes(ScenesModel):
    """The real scene model, with a bug injected: every scene it reports ends before it starts."""

    def _predict(self, request: InferenceRequest, path: Path) -> Prediction:
        found = super()._predict(request, path)
        return Prediction(
            [{**item, "end_ms": 0} for item in found.items if isinstance(item, dict)],  # type: ignore[dict-item]
            found.decode_ms,
            found.inference_ms,
        )


@pytest.fixture
def served(tmp_path: Path, sample_video: SampleVideo, valkey_url: str) -> Iterator[tuple[str, Path]]:
    shutil.copy(sample_video.path, tmp_path / "video.mp4")
    settings = MlSettings(media_roots=[str(tmp_path)], valkey_url=valkey_url)
    with Served(create_app(settings, ModelRegistry([BackwardsScenes()], device={"device": "cpu"}))) as ml:
        yield ml.url, tmp_path / "video.mp4"


async def test_an_invalid_item_is_a_500_invalid_payload_and_nothing_is_kept(
    served: tuple[str, Path], redis: Redis
) -> None:
    url, video = served
    task_id = uuid4()
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        answer = await client.post(
            "/infer/scenes", json={"video_path": str(video), "task_id": str(task_id), "attempt": 1}
        )
    assert answer.status_code == 500
    body = answer.json()
    assert body["type"].endswith(f"/{MlProblem.INVALID_PAYLOAD}") and "SceneV1" in body["detail"]
    assert not await redis.exists(f"ml_result:{task_id}:1")


async def test_the_worker_client_fails_at_once_on_it(served: tuple[str, Path]) -> None:
    url, video = served
    calls: list[str] = []

    async def count(request: httpx.Request) -> None:
        calls.append(request.url.path)

    async with httpx.AsyncClient(base_url=url, timeout=60, event_hooks={"request": [count]}) as client:
        with pytest.raises(InvalidPayload, match="500"):
            await HttpxMlClient(client, RetryPolicy(calls_per_try=3)).infer(
                TaskType.SCENE_DETECTION, InferenceRequest(video_path=str(video)), correlation_id="c"
            )
    assert calls == ["/infer/scenes"]  # one call: not retried
