"""The supervisor behind `make run`: keeps each local service up on its own (docs/design/make-run.md).

A service that exits without being asked to is started again alone, after the backoff its
`RestartPolicy` gives; one that crashes too often stays down and is reported, while the others keep
serving. Stopping goes in the services' stop order: the workers first (they drain their running jobs),
then the API and the ML service. The processes themselves are behind `Launcher`; this class only
decides, so it is tested with a fake launcher and a fake clock.
"""

import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from framewise_dev.restart_policy import GiveUp, RestartPolicy


class ServiceState(StrEnum):
    RUNNING = "running"
    RESTARTING = "restarting"  # exited on its own; starts again once its backoff has passed
    DOWN = "down"  # crashed too often: left down until `make run` is started again
    STOPPED = "stopped"  # stopped by the supervisor (Ctrl-C, SIGTERM)


@dataclass(frozen=True)
class ServiceSpec:
    """One service: its command line and environment, where its output goes, and when it stops
    (lower `stop_order` first)."""

    name: str
    command: tuple[str, ...]
    env: dict[str, str]
    log: str
    stop_order: int = 1
    stop_timeout_s: float = 15.0


class ServiceProcess(Protocol):
    """A started service (its process group, for signals)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None:
        """The exit status once it has exited (negative: the signal that ended it), else None."""
        ...

    def send(self, signum: int) -> None:
        """Send `signum` to the service and everything it started."""
        ...

    def wait(self, timeout_s: float) -> int | None:
        """Wait up to `timeout_s` for the exit; its status, or None if still running."""
        ...

    def tail(self) -> list[str]:
        """The last lines it wrote (after its output is read to the end)."""
        ...


class Launcher(Protocol):
    def start(self, spec: ServiceSpec) -> ServiceProcess: ...


def describe_exit(status: int) -> str:
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit code {status}"


@dataclass(frozen=True)
class ServiceView:
    """What the supervisor shows of one service (the state file, /api/v1/system)."""

    name: str
    state: ServiceState
    pid: int | None
    restarts: int
    last_exit_code: int | None  # negative: killed by that signal
    last_exit: str | None  # the same, in words
    restart_in_s: float | None
    reason: str | None  # why it is down
    log: str


@dataclass
class _Service:
    spec: ServiceSpec
    state: ServiceState = ServiceState.STOPPED
    process: ServiceProcess | None = None
    restarts: int = 0
    last_exit_code: int | None = None
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None
    reason: str | None = None


class Supervisor:
    """Start the services, restart the one that exits (with backoff), leave down the one that keeps
    crashing, and stop them all in order."""

    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        launcher: Launcher,
        policy: RestartPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] = print,
        on_change: Callable[[list[ServiceView]], None] = lambda views: None,
    ) -> None:
        self._services = {spec.name: _Service(spec) for spec in specs}
        self._launcher, self._policy, self._clock = launcher, policy, clock
        self._say, self._on_change = say, on_change

    def start(self) -> None:
        for service in self._services.values():
            self._launch(service)
        self._changed()

    def tick(self) -> None:
        """Notice the services that exited, and start those whose backoff has passed."""
        changed = False
        now = self._clock()
        for service in self._services.values():
            if service.state is ServiceState.RUNNING and service.process is not None:
                status = service.process.poll()
                if status is not None:
                    self._exited(service, status, now)
                    changed = True
            elif service.state is ServiceState.RESTARTING and service.restart_at is not None:
                if now >= service.restart_at:
                    service.restarts += 1
                    self._launch(service)
                    assert service.process is not None
                    self._say(f"{service.spec.name} restarted (pid {service.process.pid}, restart {service.restarts})")
                    changed = True
        if changed:
            self._changed()

    def stop(self) -> None:
        """SIGTERM to each stop group in turn (workers first), waiting for each to exit; SIGKILL to
        whatever outlives its timeout."""
        for order in sorted({s.spec.stop_order for s in self._services.values()}):
            group = [s for s in self._services.values() if s.spec.stop_order == order]
            running = [s for s in group if s.state is ServiceState.RUNNING and s.process is not None]
            for service in running:
                assert service.process is not None
                service.process.send(signal.SIGTERM)
            for service in running:
                assert service.process is not None
                if service.process.wait(service.spec.stop_timeout_s) is None:
                    self._say(f"{service.spec.name} did not stop within {service.spec.stop_timeout_s:g} s: killed")
                    service.process.send(signal.SIGKILL)
                    service.process.wait(5.0)
            for service in group:
                if service.state is not ServiceState.DOWN:
                    service.state, service.restart_at = ServiceState.STOPPED, None
            self._changed()

    def views(self) -> list[ServiceView]:
        now = self._clock()
        return [self._view(s, now) for s in self._services.values()]

    def _launch(self, service: _Service) -> None:
        service.process = self._launcher.start(service.spec)
        service.state, service.restart_at = ServiceState.RUNNING, None

    def _exited(self, service: _Service, status: int, now: float) -> None:
        assert service.process is not None
        name, how = service.spec.name, describe_exit(status)
        service.last_exit_code = status
        service.crashes.append(now)
        decision = self._policy.decide(service.crashes, now)
        if isinstance(decision, GiveUp):
            tail = service.process.tail()
            service.state, service.restart_at = ServiceState.DOWN, None
            service.reason = f"{how}; it crashed {decision.crashes_in_window} times within {self._policy.window_s:g} s"
            lines = "\n".join(f"    {line}" for line in tail) or "    (it wrote nothing)"
            self._say(
                f"{name} is DOWN and stays down ({service.reason}); the others keep running. "
                f"Its last lines:\n{lines}\n  Its whole log: {service.spec.log}"
            )
            return
        service.state = ServiceState.RESTARTING
        service.restart_at = now + decision.delay_s
        self._say(f"{name} exited ({how}, pid {service.process.pid}); restarting it in {decision.delay_s:g} s")

    def _view(self, service: _Service, now: float) -> ServiceView:
        running = service.state is ServiceState.RUNNING and service.process is not None
        return ServiceView(
            name=service.spec.name,
            state=service.state,
            pid=service.process.pid if running and service.process is not None else None,
            restarts=service.restarts,
            last_exit_code=service.last_exit_code,
            last_exit=describe_exit(service.last_exit_code) if service.last_exit_code is not None else None,
            restart_in_s=max(0.0, service.restart_at - now) if service.restart_at is not None else None,
            reason=service.reason,
            log=service.spec.log,
        )

    def _changed(self) -> None:
        self._on_change(self.views())
