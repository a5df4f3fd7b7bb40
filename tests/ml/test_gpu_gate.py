"""The GPU semaphore: never more than N at once, a bounded line, 503 past it."""

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise_ml.gpu_gate import GateBusy, GpuGate

pytestmark = pytest.mark.property


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def burst(concurrency: int, queue_limit: int, requests: int) -> tuple[int, int, int, int]:
    """`requests` arrive while nothing finishes; returns (peak running, peak waiting, refused, served)."""
    gate = GpuGate(concurrency, queue_limit, wait_timeout=30)
    release = asyncio.Event()
    peak_running = peak_waiting = refused = served = 0

    async def one() -> None:
        nonlocal peak_running, refused, served
        try:
            async with gate.slot():
                peak_running = max(peak_running, gate.running)
                await release.wait()
                served += 1
        except GateBusy:
            refused += 1

    tasks = []
    for _ in range(requests):
        tasks.append(asyncio.create_task(one()))
        await settle()
        peak_waiting = max(peak_waiting, gate.waiting)
        assert gate.running <= concurrency
    release.set()
    await asyncio.gather(*tasks)
    assert gate.running == 0 and gate.waiting == 0
    return peak_running, peak_waiting, refused, served


@settings(max_examples=150, deadline=None)
@given(concurrency=st.integers(1, 4), queue_limit=st.integers(0, 6), requests=st.integers(0, 16))
def test_at_most_n_run_the_excess_waits_and_past_the_bound_is_refused(
    concurrency: int, queue_limit: int, requests: int
) -> None:
    peak_running, peak_waiting, refused, served = asyncio.run(burst(concurrency, queue_limit, requests))
    assert peak_running == min(requests, concurrency)
    assert peak_waiting == min(max(0, requests - concurrency), queue_limit)
    assert refused == max(0, requests - concurrency - queue_limit)
    assert served == requests - refused


def test_a_wait_past_the_timeout_is_refused_with_retry_after() -> None:
    async def scenario() -> GateBusy:
        gate = GpuGate(1, 5, wait_timeout=0.05)
        async with gate.slot():
            with pytest.raises(GateBusy) as caught:
                async with gate.slot():
                    pass
        return caught.value

    busy = asyncio.run(scenario())
    assert "no slot within" in str(busy) and busy.retry_after >= 1


@settings(max_examples=100, deadline=None)
@given(per_caller=st.integers(1, 4), callers=st.integers(1, 3), requests=st.integers(1, 10))
async def test_no_caller_holds_more_than_its_share_of_the_line(per_caller: int, callers: int, requests: int) -> None:
    gate = GpuGate(1, queue_limit=100, wait_timeout=30, per_caller=per_caller)
    release = asyncio.Event()
    refused: dict[str, int] = {}

    async def one(caller: str) -> None:
        try:
            async with gate.slot(caller):
                await release.wait()
        except GateBusy:
            refused[caller] = refused.get(caller, 0) + 1

    tasks = []
    for _ in range(requests):
        for c in range(callers):
            tasks.append(asyncio.create_task(one(f"caller-{c}")))
            await settle()
        assert gate.waiting <= callers * per_caller and gate.running == 1
    release.set()
    await asyncio.gather(*tasks)
    # The first request ever runs; every caller may then hold `per_caller` waiters; the rest is refused.
    for c in range(callers):
        made = requests
        allowed = min(made, per_caller + (1 if c == 0 else 0))
        assert refused.get(f"caller-{c}", 0) == made - allowed
    assert (gate.running, gate.waiting) == (0, 0)


async def test_a_waiter_whose_client_went_away_leaves_the_line_at_once() -> None:
    from framewise_ml.abandon import Abandoned

    gate = GpuGate(1, queue_limit=10, wait_timeout=30)
    hold, gone = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with gate.slot("a"):
            await hold.wait()

    async def waiter() -> None:
        async with gate.slot("b", gone):
            raise AssertionError("an abandoned waiter must never get the slot")

    running = asyncio.create_task(holder())
    await settle()
    waiting = asyncio.create_task(waiter())
    await settle()
    assert (gate.running, gate.waiting) == (1, 1)
    gone.set()
    with pytest.raises(Abandoned):
        await waiting
    assert (gate.running, gate.waiting) == (1, 0)
    hold.set()
    await running
    async with gate.slot("c"):  # the permit was not leaked
        assert gate.running == 1
