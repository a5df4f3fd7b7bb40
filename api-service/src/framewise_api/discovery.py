"""When discovery runs: at start, every DISCOVERY_INTERVAL_S, when the watcher sees a change under a
root, and on request. Runs never overlap, in this process or across API processes (a Valkey lock)."""

import asyncio
import os
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Literal

import structlog
from redis.asyncio import Redis
from watchfiles import Change, awatch

from framewise.application.results import DiscoveryReport
from framewise.domain.video import is_video_name
from framewise.infrastructure.logging import new_correlation_id

log = structlog.get_logger("framewise.api.discovery")

LOCK_NAME = "framewise:discovery-lock"
WatchMode = Literal["auto", "native", "poll", "off"]


def _is_relevant(change: Change, path: str) -> bool:
    """A video file changed, or a folder appeared: files copied into a new folder can land before
    the watcher has added a watch on it (an inotify race), so a new folder triggers a scan too."""
    if is_video_name(os.path.basename(path)):
        return True
    return change == Change.added and os.path.isdir(path)


class DiscoveryScheduler:
    """Owns the background discovery: one loop that waits for a reason to scan (the interval, a
    watcher event, a follow-up for files still being written) and one optional watcher."""

    def __init__(
        self,
        run: Callable[[str, str | None], Awaitable[DiscoveryReport]],
        redis: Redis,
        *,
        roots: list[str],
        interval_s: float,
        settle_s: float,
        watch: WatchMode,
        poll_interval_s: float,
    ) -> None:
        self._run, self._redis, self._roots = run, redis, roots
        self._interval_s, self._settle_s = interval_s, settle_s
        self._watch, self._poll_interval_s = watch, poll_interval_s
        self._wake = asyncio.Event()
        self._reason = "start"
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.watch_mode: str = "off"
        self.watcher_changes = 0  # relevant changes the watcher has reported: proof that it is watching

    async def scan(self, trigger: str, correlation_id: str | None = None, folder: str | None = None) -> DiscoveryReport:
        """One discovery run (of every root, or of one folder), serialised with every other run;
        logged with what it found."""
        correlation_id = correlation_id or new_correlation_id()
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            async with self._redis.lock(LOCK_NAME, timeout=3600, blocking_timeout=3600):
                report = await self._run(correlation_id, folder)
            log.info(
                "discovery_finished",
                trigger=trigger,
                folder=folder,
                scanned=report.scanned,
                new=len(report.new),
                changed=len(report.changed),
                moved=len(report.moved),
                copies=len(report.copies),
                missing=len(report.missing),
                returned=len(report.returned),
                invalid=len(report.invalid),
                settling=len(report.settling),
                jobs_enqueued=report.jobs_enqueued,
            )
        if report.settling:
            self._later(max(self._settle_s, 0.5), "settle")
        return report

    def start(self, *, at_start: bool) -> None:
        if at_start:
            self._wake.set()
        self._tasks.append(asyncio.create_task(self._loop()))
        if self._watch != "off":
            self._tasks.append(asyncio.create_task(self._watcher()))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task

    def _later(self, delay_s: float, reason: str) -> None:
        def wake() -> None:
            self._reason = reason
            self._wake.set()

        asyncio.get_running_loop().call_later(delay_s, wake)

    async def _loop(self) -> None:
        while not self._stop.is_set():
            timeout = self._interval_s if self._interval_s > 0 else None
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            reason = self._reason if self._wake.is_set() else "schedule"
            self._wake.clear()
            self._reason = "schedule"
            try:
                await self.scan(reason)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("discovery_failed", trigger=reason)

    async def _watcher(self) -> None:
        polling = self._watch == "poll"
        while not self._stop.is_set():
            self.watch_mode = "poll" if polling else "native"
            log.info("watcher_started", mode=self.watch_mode, roots=self._roots)
            try:
                async for changes in awatch(
                    *self._roots,
                    watch_filter=_is_relevant,
                    force_polling=polling,
                    poll_delay_ms=int(self._poll_interval_s * 1000),
                    stop_event=self._stop,
                    debounce=1600,
                    recursive=True,
                ):
                    self.watcher_changes += len(changes)
                    log.info("watcher_saw_changes", count=len(changes))
                    self._later(self._settle_s, "watcher")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if polling or self._watch == "native":
                    log.exception("watcher_failed", mode=self.watch_mode)
                    await asyncio.sleep(self._poll_interval_s)
                    continue
                log.warning("watcher_native_unavailable", error=str(exc), fallback="poll")
                polling = True
