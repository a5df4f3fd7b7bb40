"""`make run` itself (python -m framewise_dev.run, docs/design/make-run.md), on a temporary data folder,
media folder and free ports: each service killed by SIGKILL comes back alone (a new pid, running in
`GET /api/v1/system`) and the tasks it had in flight complete with no artifact stored twice; the
supervisor killed by SIGKILL leaves no process behind and a new `make run` starts cleanly on the same
data folder and ports; a service that fails at every start is reported down while the others serve.

One `make run` is shared by the module's kill tests (loading the ML service's models is the slow part).
Every wait is on what the API, the state file or /proc shows; nothing asserts how long anything took.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from framewise_dev.media import SampleVideo
from tests.e2e.processes import AUTH, ML_TOKEN, TOKEN, free_port
from tests.e2e.waits import NotYet, wait_until

pytestmark = pytest.mark.e2e

# Short clocks so that a killed worker's task is reclaimed within seconds, and tries enough that the
# tasks of a killed ML service wait for it to load its models again instead of failing.
FAST = {
    "HEARTBEAT_S": "1",
    "LEASE_S": "4",
    "LEASE_CHECK_EVERY_S": "2",
    "RECONCILE_EVERY_MIN": "1",
    "RETRY_BACKOFF_S": "1",
    "RETRY_BACKOFF_MAX_S": "3",
    "MAX_TRIES": "60",
    "UNAVAILABLE_RECHECK_S": "2",
    "SHUTDOWN_GRACE_S": "2",
    "DISCOVERY_WATCH": "off",
    "DISCOVERY_SETTLE_S": "0",
}
SERVICES = ("ml", "worker-gpu", "worker-cpu", "api")


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a dead child not yet reaped by whoever adopted it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def pgid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


@dataclass
class MakeRun:
    """One `python -m framewise_dev.run`, its output in `out`."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    api_url: str
    ml_url: str
    out: Path
    env: dict[str, str]

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def state(self) -> dict[str, dict[str, Any]]:
        """The supervisor's state file: service name -> its entry."""
        try:
            body = json.loads((self.data_dir / "services.json").read_text())
        except (OSError, ValueError) as exc:
            raise NotYet(f"state file: {exc}") from exc
        return {s["name"]: s for s in body["services"]}

    def system_services(self) -> dict[str, dict[str, Any]]:
        response = httpx.get(f"{self.api_url}/api/v1/system", headers=AUTH, timeout=30)
        if response.status_code != 200:
            raise NotYet(f"GET /api/v1/system: {response.status_code}")
        return {s["name"]: s for s in response.json()["services"]}

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"make run exited ({self.process.returncode}):\n{self.output()[-5000:]}")

    def wait_all_running(self, timeout: float = 300) -> dict[str, dict[str, Any]]:
        def running() -> dict[str, dict[str, Any]] | None:
            self.check_alive()
            services = self.system_services()
            states = {name: s["state"] for name, s in services.items()}
            if states != dict.fromkeys(SERVICES, "running"):
                raise NotYet(states)
            return services if httpx.get(f"{self.ml_url}/livez", timeout=5).status_code == 200 else None

        return wait_until(running, timeout=timeout, message="every service running, the ML service live", every=0.5)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; its exit status once it and every process it
        started (the store guard included) are gone."""
        left = descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
        try:
            status = self.process.wait(120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        wait_until(lambda: not [p for p in left if alive(p)], timeout=60, message="make run's processes gone")
        return status


def start_make_run(
    tmp: Path, data_dir: Path, media: Path, model_cache: Path, *, ports: tuple[int, int] | None = None, **env: str
) -> MakeRun:
    api_port, ml_port = ports or (free_port(), free_port())
    full = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VALKEY_URL"}},
        **FAST,
        "DATA_DIR": str(data_dir),
        "MEDIA_ROOTS": str(media),
        "API_PORT": str(api_port),
        "ML_PORT": str(ml_port),
        "WORKER_METRICS_PORT": "0",
        "API_TOKENS": TOKEN,
        "ML_TOKEN": ML_TOKEN,
        "MODEL_CACHE_DIR": str(model_cache),
        "LOG_FORMAT": "json",
        "UI_DIR": "",
        "THUMBNAIL_DIR": str(data_dir / "thumbnails"),
        **env,
    }
    out = tmp / f"make-run-{len(list(tmp.glob('make-run-*.log')))}.log"
    with out.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "framewise_dev.run"], env=full, stdout=handle, stderr=subprocess.STDOUT, cwd=tmp
        )
    return MakeRun(process, data_dir, f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ml_port}", out, full)


def tasks(run: MakeRun) -> list[dict[str, Any]]:
    response = httpx.get(f"{run.api_url}/api/v1/tasks", params={"limit": 100}, headers=AUTH, timeout=30)
    if response.status_code != 200:
        raise NotYet(f"GET /api/v1/tasks: {response.status_code}")
    return list(response.json()["items"])


def wait_all_completed(run: MakeRun, timeout: float = 300) -> list[dict[str, Any]]:
    def completed() -> list[dict[str, Any]]:
        run.check_alive()
        items = tasks(run)
        statuses = Counter(t["status"] for t in items)
        if len(items) != 6 or statuses != {"COMPLETED": 6}:
            raise NotYet(dict(statuses))
        return items

    return wait_until(completed, timeout=timeout, message="the six analyses COMPLETED", every=0.5)


def artifacts(run: MakeRun, video_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, str | int] = {"video_id": video_id, "limit": 1000, "offset": len(items)}
        response = httpx.get(f"{run.api_url}/api/v1/artifacts", params=params, headers=AUTH, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if not body["items"] or len(items) >= body["total"]:
            return items


def identities(items: list[dict[str, Any]]) -> Counter[str]:
    """Each artifact by what it says (type, task, span, payload): the same one stored twice counts 2."""
    return Counter(
        json.dumps(
            [a["artifact_type"], a["task_id"], a["span_start_ms"], a["span_end_ms"], a["payload"]], sort_keys=True
        )
        for a in items
    )


@dataclass
class Shared:
    run: MakeRun
    video_id: str
    baseline: Counter[str]  # the artifacts of the first, undisturbed run


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, sample_video: SampleVideo) -> Iterator[Shared]:
    tmp = tmp_path_factory.mktemp("make-run")
    media = tmp / "media"
    media.mkdir()
    shutil.copy(sample_video.path, media / "clip.mp4")
    run = start_make_run(tmp, tmp / "data", media, model_cache)
    try:
        run.wait_all_running()
        done = wait_all_completed(run)
        video_id = done[0]["video_id"]
        baseline = identities(artifacts(run, video_id))
        assert baseline and max(baseline.values()) == 1
        yield Shared(run, video_id, baseline)
    finally:
        run.stop()


def busy(run: MakeRun, victim: str) -> bool:
    """Whether the victim has work in flight: a task of its pool RUNNING (the ML service: a GPU task)."""
    if victim == "api":
        return True
    queue = "cpu_jobs" if victim == "worker-cpu" else "gpu_jobs"
    return any(t["status"] == "RUNNING" and t["queue"] == queue for t in tasks(run))


@pytest.mark.parametrize("victim", SERVICES)
def test_a_service_killed_comes_back_alone_and_its_tasks_complete_once(shared: Shared, victim: str) -> None:
    run = shared.run
    before = run.wait_all_running()
    redo = httpx.post(
        f"{run.api_url}/api/v1/videos/{shared.video_id}/reindex", json={"only_stale": False}, headers=AUTH, timeout=30
    )
    assert redo.status_code in {200, 202}, redo.text
    wait_until(lambda: busy(run, victim), timeout=120, message=f"{victim} busy with a task", every=0.05)

    old_pid = before[victim]["pid"]
    os.kill(old_pid, signal.SIGKILL)

    def back() -> dict[str, Any]:
        run.check_alive()
        service = run.system_services()[victim]
        if service["state"] != "running" or service["pid"] == old_pid:
            raise NotYet(service)
        return service

    service = wait_until(back, timeout=300, message=f"{victim} running again", every=0.5)
    assert service["restarts"] == before[victim]["restarts"] + 1 and service["last_exit_code"] == -signal.SIGKILL
    assert not alive(old_pid)
    others = {name: s["pid"] for name, s in run.system_services().items() if name != victim}
    assert others == {name: s["pid"] for name, s in before.items() if name != victim}  # nobody else restarted
    assert f"{victim} exited (killed by SIGKILL" in run.output()

    wait_all_completed(run)
    again = identities(artifacts(run, shared.video_id))
    assert again == shared.baseline  # each artifact once, exactly those of the undisturbed run

    metrics = httpx.get(f"{run.api_url}/metrics", timeout=30).text
    assert f'framewise_service_restarts_total{{service="{victim}"}} {float(service["restarts"])}' in metrics


def test_the_supervisor_killed_leaves_nothing_and_the_next_make_run_starts_cleanly(
    shared: Shared, tmp_path: Path, model_cache: Path
) -> None:
    run = shared.run
    run.wait_all_running()
    processes = descendants(run.process.pid)
    postmaster = int((run.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    valkey = int((run.data_dir / "valkey" / "valkey.pid").read_text().split()[0])
    groups = {s["pid"] for s in run.state().values()}  # each service leads a process group of its own
    assert groups <= processes and valkey in processes and alive(postmaster)

    run.process.kill()
    run.process.wait()

    def gone() -> bool:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        left = {pid for pid in pids if alive(pid) and (pid in processes | {postmaster} or pgid(pid) in groups)}
        if left:
            raise NotYet(f"still there: {sorted(left)}")
        return True

    wait_until(gone, timeout=120, message="no process of the killed make run left")

    ports = (int(run.api_url.rsplit(":", 1)[1]), int(run.ml_url.rsplit(":", 1)[1]))
    media = Path(run.env["MEDIA_ROOTS"])
    again = start_make_run(tmp_path, run.data_dir, media, model_cache, ports=ports)
    try:
        services = again.wait_all_running()
        assert all(s["restarts"] == 0 for s in services.values())
        assert "Address already in use" not in again.output() and "Traceback" not in again.output()
        assert {t["status"] for t in tasks(again)} == {"COMPLETED"}  # the data is where it was
    finally:
        assert again.stop() == 0
    assert "embedded stores stopped" in again.output()


def test_a_service_failing_at_every_start_is_left_down_and_the_others_serve(tmp_path: Path, model_cache: Path) -> None:
    media = tmp_path / "media"
    (media / "empty").mkdir(parents=True)
    (media / "empty" / "notes.txt").write_text("no sample video here")  # the media folder is not empty
    failing = f"{sys.executable} -c \"print('boom: cannot start'); raise SystemExit(3)\""
    commands = {"worker-cpu": failing, "ml": f'{sys.executable} -c "import time; time.sleep(3600)"'}
    run = start_make_run(
        tmp_path,
        tmp_path / "data",
        media,
        model_cache,
        SERVICE_COMMANDS=json.dumps(commands),
        RESTART_BACKOFF_S="0.2",
        RESTART_MAX_CRASHES="3",
    )
    try:

        def down() -> dict[str, dict[str, Any]]:
            run.check_alive()
            services = run.system_services()
            if services["worker-cpu"]["state"] != "down":
                raise NotYet(services["worker-cpu"])
            return services

        services = wait_until(down, timeout=300, message="worker-cpu reported down", every=0.5)
        cpu = services["worker-cpu"]
        assert (cpu["pid"], cpu["restarts"], cpu["last_exit_code"]) == (None, 2, 3)
        assert "exit code 3" in cpu["reason"] and cpu["log"].endswith("worker-cpu.log")
        assert {n: s["state"] for n, s in services.items() if n != "worker-cpu"} == dict.fromkeys(
            ("ml", "worker-gpu", "api"), "running"
        )
        assert httpx.get(f"{run.api_url}/healthz", timeout=10).status_code == 200
        output = run.output()
        assert "worker-cpu is DOWN" in output and "boom: cannot start" in output and cpu["log"] in output
        assert "boom: cannot start" in Path(cpu["log"]).read_text()
        metrics = httpx.get(f"{run.api_url}/metrics", timeout=30).text
        assert 'framewise_service_state{service="worker-cpu",state="down"} 1.0' in metrics
    finally:
        assert run.stop() == 0
