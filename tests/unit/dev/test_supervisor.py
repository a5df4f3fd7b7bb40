"""`make run`'s supervisor (framewise_dev.supervisor) with a fake launcher and a clock the test moves:
a service that exits is restarted alone after its backoff, one that keeps crashing stays down and is
reported with its last lines and log while the others run, and stopping goes workers first."""

import signal
from dataclasses import dataclass, field

import pytest

from framewise_dev.restart_policy import RestartPolicy
from framewise_dev.supervisor import ServiceSpec, ServiceState, ServiceView, Supervisor

pytestmark = pytest.mark.unit


@dataclass
class FakeProcess:
    name: str
    pid: int
    sent: list[tuple[str, int]]  # (service, signal), shared by every process of the launcher
    status: int | None = None
    lines: list[str] = field(default_factory=list)
    ignores_sigterm: bool = False

    def poll(self) -> int | None:
        return self.status

    def send(self, signum: int) -> None:
        self.sent.append((self.name, signum))
        if signum == signal.SIGKILL or not self.ignores_sigterm:
            self.status = -signum

    def wait(self, timeout_s: float) -> int | None:
        return self.status

    def tail(self) -> list[str]:
        return self.lines


class FakeLauncher:
    def __init__(self) -> None:
        self.started: list[FakeProcess] = []
        self.order: list[tuple[str, int]] = []

    def start(self, spec: ServiceSpec) -> FakeProcess:
        process = FakeProcess(spec.name, 1000 + len(self.started), self.order)
        self.started.append(process)
        return process

    def current(self, name: str) -> FakeProcess:
        return [p for p in self.started if p.name == name][-1]

    def starts(self, name: str) -> int:
        return sum(1 for p in self.started if p.name == name)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def specs() -> list[ServiceSpec]:
    return [
        ServiceSpec("ml", ("ml",), {}, "/logs/ml.log"),
        ServiceSpec("worker-gpu", ("w",), {}, "/logs/worker-gpu.log", stop_order=0),
        ServiceSpec("worker-cpu", ("w",), {}, "/logs/worker-cpu.log", stop_order=0),
        ServiceSpec("api", ("api",), {}, "/logs/api.log"),
    ]


@dataclass
class Rig:
    supervisor: Supervisor
    launcher: FakeLauncher
    clock: Clock
    said: list[str]
    states: list[list[ServiceView]]

    def view(self, name: str) -> ServiceView:
        return next(v for v in self.supervisor.views() if v.name == name)

    def after(self, seconds: float) -> None:
        self.clock.now += seconds
        self.supervisor.tick()


def rig(policy: RestartPolicy | None = None) -> Rig:
    launcher, clock = FakeLauncher(), Clock()
    said: list[str] = []
    states: list[list[ServiceView]] = []
    supervisor = Supervisor(
        specs(),
        launcher,
        policy or RestartPolicy(backoff_s=1, backoff_max_s=30, max_crashes=3, window_s=60),
        clock=clock,
        say=said.append,
        on_change=states.append,
    )
    supervisor.start()
    return Rig(supervisor, launcher, clock, said, states)


def test_a_killed_service_is_restarted_alone_after_its_backoff() -> None:
    r = rig()
    old = r.launcher.current("worker-gpu")
    old.status = -signal.SIGKILL
    r.after(0.1)
    assert r.view("worker-gpu").state is ServiceState.RESTARTING
    assert r.view("worker-gpu").last_exit == "killed by SIGKILL" and r.view("worker-gpu").last_exit_code == -9
    assert any("worker-gpu exited (killed by SIGKILL" in line and "in 1 s" in line for line in r.said)
    r.after(0.5)
    assert r.launcher.starts("worker-gpu") == 1  # its backoff has not passed
    r.after(0.5)
    view = r.view("worker-gpu")
    assert (view.state, view.restarts, r.launcher.starts("worker-gpu")) == (ServiceState.RUNNING, 1, 2)
    assert view.pid == r.launcher.current("worker-gpu").pid != old.pid
    assert [r.launcher.starts(n) for n in ("ml", "worker-cpu", "api")] == [1, 1, 1]
    assert all(v.state is ServiceState.RUNNING for v in r.supervisor.views())
    assert r.launcher.order == []  # nobody else was signalled


def test_the_backoff_doubles_with_each_crash_in_the_window() -> None:
    r = rig(RestartPolicy(backoff_s=1, backoff_max_s=4, max_crashes=10, window_s=1000))
    waits = []
    for _ in range(4):
        r.launcher.current("api").status = 1
        r.after(0)
        waits.append(r.view("api").restart_in_s)
        r.after(waits[-1] or 0)
    assert waits == [1, 2, 4, 4]
    assert r.view("api").restarts == 4 and r.view("api").last_exit == "exit code 1"


def test_a_service_that_keeps_crashing_stays_down_and_says_why_while_the_others_run() -> None:
    r = rig()
    for _ in range(3):
        crashing = r.launcher.current("worker-cpu")
        crashing.lines = ["Traceback (most recent call last):", "ValueError: VALKEY_URL is not a URL"]
        crashing.status = 2
        r.after(0)
        r.after(r.view("worker-cpu").restart_in_s or 0)
    view = r.view("worker-cpu")
    assert view.state is ServiceState.DOWN and view.pid is None and view.restarts == 2
    assert view.reason is not None and "exit code 2" in view.reason and "3 times within 60 s" in view.reason
    report = r.said[-1]
    assert "worker-cpu is DOWN" in report and "ValueError: VALKEY_URL is not a URL" in report
    assert "/logs/worker-cpu.log" in report
    r.after(3600)
    assert r.launcher.starts("worker-cpu") == 3  # never again
    others = [v for v in r.supervisor.views() if v.name != "worker-cpu"]
    assert all(v.state is ServiceState.RUNNING for v in others)
    assert [v.state for v in r.states[-1] if v.name == "worker-cpu"] == [ServiceState.DOWN]  # as written out


def test_a_service_that_ran_longer_than_the_window_starts_again_from_the_first_delay() -> None:
    r = rig()
    for _ in range(2):
        r.launcher.current("ml").status = 1
        r.after(0)
        r.after(r.view("ml").restart_in_s or 0)
    r.after(3600)  # then it ran for an hour
    r.launcher.current("ml").status = 1
    r.after(0)
    assert r.view("ml").state is ServiceState.RESTARTING and r.view("ml").restart_in_s == 1


def test_stopping_terminates_the_workers_first_and_waits_for_them() -> None:
    r = rig()
    r.supervisor.stop()
    sent = [(name, signum) for name, signum in r.launcher.order]
    assert {n for n, _ in sent[:2]} == {"worker-gpu", "worker-cpu"}
    assert {n for n, _ in sent[2:]} == {"ml", "api"}
    assert all(signum == signal.SIGTERM for _, signum in sent)
    assert all(v.state is ServiceState.STOPPED and v.pid is None for v in r.supervisor.views())
    assert [v.state for v in r.states[-1]] == [ServiceState.STOPPED] * 4


def test_a_service_that_ignores_sigterm_is_killed_past_its_timeout() -> None:
    r = rig()
    r.launcher.current("api").ignores_sigterm = True
    r.supervisor.stop()
    assert ("api", signal.SIGKILL) in r.launcher.order
    assert any("api did not stop" in line for line in r.said)


def test_stopping_leaves_a_down_service_down_and_does_not_start_a_restarting_one() -> None:
    r = rig(RestartPolicy(max_crashes=1))
    r.launcher.current("ml").status = 1
    r.after(0)
    r.launcher.current("api").status = 1
    r.after(0)  # api: its first crash, and max_crashes 1
    r.launcher.current("worker-cpu").status = 1
    r.supervisor.stop()  # worker-cpu's exit is not noticed by a tick: it is simply stopped
    states = {v.name: v.state for v in r.supervisor.views()}
    assert states == {
        "ml": ServiceState.DOWN,
        "api": ServiceState.DOWN,
        "worker-gpu": ServiceState.STOPPED,
        "worker-cpu": ServiceState.STOPPED,
    }
    r.after(60)
    assert r.launcher.starts("ml") == r.launcher.starts("api") == 1
