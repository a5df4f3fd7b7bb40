"""Every answer and every transport failure the worker's ML client can see is classified: transient
(retry with backoff), model unavailable (defer), or permanent (fail now), and nothing else escapes."""

import json
import math

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise.application.results import MlBusy, MlModelUnavailable, MlPermanentError, MlTransientError
from framewise.contracts.ml import InferenceRequest
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.ml.httpx_ml_client import MAX_RETRY_AFTER_S, HttpxMlClient, classify

pytestmark = pytest.mark.property

json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
).map(lambda value: json.dumps(value).encode())
problem_bodies = st.sampled_from(["model-unavailable", "busy", "inference-failed", "bad-media"]).map(
    lambda kind: json.dumps({"type": f"https://framewise.dev/problems/{kind}", "detail": kind}).encode()
)
bodies = st.binary(max_size=60) | json_bodies | problem_bodies
retry_afters = st.none() | st.text(max_size=12) | st.floats().map(str) | st.integers(-(10**9), 10**9).map(str)


@settings(max_examples=300)
@given(status=st.integers(100, 599), body=bodies, retry_after=retry_afters)
def test_every_answer_is_classified_by_its_status(status: int, body: bytes, retry_after: str | None) -> None:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    try:
        response = httpx.Response(status, content=body, headers=headers)
    except (UnicodeEncodeError, ValueError):
        return  # not a header httpx can even carry
    try:
        classify(response)
    except MlModelUnavailable:
        assert status == 503 and b"model-unavailable" in body
    except MlBusy as exc:  # the gate's line is full: the task waits its turn, no try spent
        assert status == 503 and b"problems/busy" in body
        assert exc.retry_after is None or 0 <= exc.retry_after <= MAX_RETRY_AFTER_S
    except MlTransientError as exc:
        assert status >= 500 or status in (408, 429)
        assert exc.retry_after is None or (math.isfinite(exc.retry_after) and 0 <= exc.retry_after <= MAX_RETRY_AFTER_S)
        assert str(status) in str(exc)
    except MlPermanentError as exc:
        assert not 200 <= status < 300 and status < 500 and status not in (408, 429)
        assert str(status) in str(exc)
    else:
        assert 200 <= status < 300


TRANSPORT_FAILURES = [
    httpx.ConnectError("refused"),
    httpx.ConnectTimeout("slow connect"),
    httpx.ReadTimeout("slow answer"),
    httpx.WriteTimeout("slow upload"),
    httpx.PoolTimeout("no connection free"),
    httpx.ReadError("reset"),
    httpx.WriteError("broken pipe"),
    httpx.RemoteProtocolError("garbled"),
    httpx.ProxyError("proxy"),
]


@pytest.mark.parametrize("failure", TRANSPORT_FAILURES, ids=lambda e: type(e).__name__)
async def test_every_transport_failure_is_transient(failure: httpx.TransportError) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail), base_url="http://ml") as client:
        ml = HttpxMlClient(client, RetryPolicy(calls_per_try=1))
        with pytest.raises(MlTransientError):
            await ml.infer(TaskType.OCR, InferenceRequest(video_path="/m/a.mp4"), correlation_id="c")


async def test_an_answer_that_breaks_the_contract_is_permanent() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"items": "not a list"}))
    async with httpx.AsyncClient(transport=transport, base_url="http://ml") as client:
        with pytest.raises(MlPermanentError, match="contract"):
            await HttpxMlClient(client, RetryPolicy()).infer(
                TaskType.OCR, InferenceRequest(video_path="/m/a.mp4"), correlation_id="c"
            )


async def test_a_busy_service_is_not_asked_again_by_the_client_but_defers_the_task() -> None:
    calls = []

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        body = {"type": "https://framewise.dev/problems/busy", "detail": "2 running and 32 waiting"}
        return httpx.Response(503, json=body, headers={"Retry-After": "7"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(busy), base_url="http://ml") as client:
        with pytest.raises(MlBusy) as raised:
            await HttpxMlClient(client, RetryPolicy(calls_per_try=3)).infer(
                TaskType.OCR, InferenceRequest(video_path="/m/a.mp4"), correlation_id="c"
            )
    assert raised.value.retry_after == 7 and len(calls) == 1
