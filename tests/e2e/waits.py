"""Bounded waits on what the system shows, for the tests that drive real processes.

A test never sleeps and hopes that something happened meanwhile (the task is running by now, the
request has reached the ML service by now): it waits until it can see it, with a deadline generous
enough for a loaded CI machine, and fails with a message that says what it was waiting for and what it
saw last. `time.sleep` is left for the polling interval here and for a duration that is itself the
point of a test (a store kept down for N seconds).
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import httpx
import pytest

if TYPE_CHECKING:  # ml_proxy and processes import this module
    from tests.e2e.ml_proxy import InFlight, MlProxy
    from tests.e2e.processes import Stack

T = TypeVar("T")


class NotYet(Exception):
    """Raised by a predicate to say "not yet", with what it saw (shown if the deadline passes)."""


def wait_until(predicate: Callable[[], T | None], *, timeout: float, message: str, every: float = 0.2) -> T:
    """Call `predicate` until it returns something truthy, and return that. `NotYet` and HTTP errors
    (a service restarting, a 5xx) count as "not yet"; any other exception propagates. Fails the test
    with `message` and the last thing seen once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            result = predicate()
        except (httpx.HTTPError, NotYet) as exc:
            last, result = exc, None
        else:
            last = result
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"{message}: not within {timeout:g} s (last seen: {str(last)[:2000]})")
        time.sleep(every)


def ml_gate(ml_url: str) -> dict[str, int]:
    """The ML service's GPU gate as its `/health` reports it: concurrency, running, waiting, queue_limit."""
    response = httpx.get(f"{ml_url}/health", timeout=10)
    if response.status_code not in {200, 503}:
        raise NotYet(f"GET {ml_url}/health: {response.status_code}")
    return dict(response.json()["gate"])


def wait_inference_in_flight(
    stack: "Stack", proxy: "MlProxy", task_id: str, route: str, *, timeout: float = 120
) -> "InFlight":
    """Wait until the task is RUNNING (through the API), its request to `route` is open at the proxy
    (the worker is waiting for the answer) and the ML service has it: the proxy forwarded it and the ML
    service's gate shows an inference running or waiting, or the ML service has answered and the proxy
    holds that answer (`MlProxy.hold`). The open request.

    Only a held route stays in flight for sure: on a fast GPU an inference may be over before a look.
    A test that needs the inference to still run when it strikes holds the route first."""

    def in_flight() -> "InFlight":
        with stack.api() as api:
            response = api.get(f"/api/v1/tasks/{task_id}")
        if response.status_code != 200:
            raise NotYet(f"GET task: {response.status_code} {response.text[:200]}")
        status = response.json()["status"]
        if status != "RUNNING":
            raise NotYet(f"task {status}")
        open_ = proxy.open(route, task_id=task_id)
        if not open_:
            raise NotYet(f"task RUNNING, no {route} request of it open at the proxy")
        for request in open_:
            if request.stage == "held":
                return request
            if request.stage == "upstream":
                gate = ml_gate(proxy.upstream)
                if gate["running"] + gate["waiting"] >= 1:
                    return request
                raise NotYet(f"request forwarded, ML gate {gate}")
        raise NotYet(f"request at the proxy: {[r.stage for r in open_]}")

    return wait_until(
        in_flight, timeout=timeout, message=f"task {task_id}'s {route} request in flight at the ML service", every=0.1
    )
