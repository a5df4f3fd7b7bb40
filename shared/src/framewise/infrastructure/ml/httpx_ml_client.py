"""The ML service over HTTP: pooled connections, long read timeouts, backoff with jitter."""

import math
import time
from typing import Any

import httpx
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from framewise.application.results import Availability, MlBusy, MlModelUnavailable, MlPermanentError, MlTransientError
from framewise.contracts.ml import CORRELATION_HEADER, InferenceRequest, InferenceResponse, MlProblem
from framewise.domain.analyses import analysis_of
from framewise.domain.errors import InvalidPayload
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType

MAX_RETRY_AFTER_S = 3600.0  # a Retry-After beyond this (or not a number) is not trusted


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After, clamped to [0, MAX_RETRY_AFTER_S]; None when absent or
    unusable (an HTTP date, NaN, garbage): the client's own backoff applies then."""
    value = response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or math.isnan(seconds):
        return None
    return min(MAX_RETRY_AFTER_S, max(0.0, seconds))


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:300]


def _kind(response: httpx.Response) -> str:
    """The last segment of a problem document's `type`, or "" when the body is none."""
    try:
        kind = response.json().get("type", "")
    except (ValueError, AttributeError):
        return ""
    return str(kind).rsplit("/", 1)[-1]


def classify(response: httpx.Response) -> None:
    """Raise the error a non-2xx answer means: wait (model unavailable, busy), retry (transient),
    or fail (permanent, or an invalid payload the ML service caught in its own answer)."""
    if response.is_success:
        return
    detail = f"ML service answered {response.status_code}: {_detail(response)}"
    # The ML service's problem table: waiting is a 503 (model unavailable, busy), its own invalid
    # answer a 500; a problem type under any other status is not one of its answers.
    kind = _kind(response) if response.status_code in (500, 503) else ""
    if kind == MlProblem.MODEL_UNAVAILABLE and response.status_code == 503:
        raise MlModelUnavailable(detail, _retry_after(response))
    if kind == MlProblem.BUSY and response.status_code == 503:
        raise MlBusy(detail, _retry_after(response))
    if kind == MlProblem.INVALID_PAYLOAD and response.status_code == 500:
        raise InvalidPayload(detail)
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise MlTransientError(detail, _retry_after(response))
    raise MlPermanentError(detail)


class _WaitBackoff:
    """Exponential backoff with full jitter, but never sooner than the server's Retry-After."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._jitter = wait_random_exponential(multiplier=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        wait = float(self._jitter(state))
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, MlTransientError) and error.retry_after is not None:
            wait = max(wait, error.retry_after)
        return wait


class HttpxMlClient:
    """Calls `POST /infer/*` and reads `/health` on the ML service."""

    def __init__(self, client: httpx.AsyncClient, policy: RetryPolicy, *, health_ttl: float = 5.0) -> None:
        self._client, self._attempts = client, policy.calls_per_try
        self._wait = _WaitBackoff(policy.call_backoff_s, policy.call_backoff_max_s)
        self._health_ttl = health_ttl
        self._health: tuple[float, dict[str, Any]] | None = None

    @staticmethod
    def create(base_url: str, *, token: str | None = None, read_timeout: float = 600.0) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(connect=5.0, read=read_timeout, write=30.0, pool=30.0),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    async def is_available(self, task_type: TaskType) -> Availability:
        """Not available while the service is unreachable or the analysis's model is not ready, with
        the reason the service gives (the missing weights, say): the task then waits PENDING on its
        queue instead of spending its tries on a service that is not up."""
        try:
            models = await self._models()
        except httpx.TransportError as exc:
            return Availability(f"the ML service is unreachable ({type(exc).__name__})")
        if models is None:
            return Availability()  # it answered, but not with the health we know: let the call find out
        endpoint = analysis_of(task_type).endpoint
        model = models.get(endpoint)
        if not isinstance(model, dict):
            return Availability(f"{endpoint} model is not part of the ML service")
        state = model.get("state")
        if state == "ready":
            return Availability()
        reason = model.get("reason")
        said = "loading" if state == "loading" else "unavailable"
        return Availability(f"{endpoint} model {said}: {reason}" if reason else f"{endpoint} model {said}")

    async def infer(self, task_type: TaskType, request: InferenceRequest, *, correlation_id: str) -> InferenceResponse:
        url = f"/infer/{analysis_of(task_type).endpoint}"
        body = request.model_dump(mode="json", exclude_none=True)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(MlTransientError),
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._post(url, body, correlation_id)
        except (MlTransientError, MlModelUnavailable, MlBusy):
            self._health = None  # the next task asks /health again instead of trusting a stale "ready"
            raise
        try:
            result = InferenceResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise MlPermanentError(f"ML response does not match the contract: {exc.errors()[0]['msg']}") from exc
        if result.task_type is not task_type:
            raise MlPermanentError(f"ML service answered {result.task_type} for {task_type}")
        return result

    async def _post(self, url: str, body: dict[str, Any], correlation_id: str) -> httpx.Response:
        try:
            response = await self._client.post(url, json=body, headers={CORRELATION_HEADER: correlation_id})
        except httpx.TimeoutException as exc:
            raise MlTransientError(f"ML service timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise MlTransientError(f"ML service unreachable: {type(exc).__name__}: {exc}") from exc
        classify(response)
        return response

    async def _models(self) -> dict[str, Any] | None:
        now = time.monotonic()
        if self._health is not None and now - self._health[0] < self._health_ttl:
            return self._health[1]
        try:
            response = await self._client.get("/health", timeout=5.0)
            models = response.json().get("models")
        except httpx.TransportError:
            raise
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        if not isinstance(models, dict):
            return None
        self._health = (now, models)
        return models
