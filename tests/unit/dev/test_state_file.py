"""The supervisor's state file is the contract between `make run` (framewise_dev.state_file writes it)
and the API (framewise.infrastructure.local_services reads it for /api/v1/system and /metrics)."""

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from framewise.application.results import LocalService
from framewise.infrastructure.local_services import JsonFileLocalServices
from framewise_api.service_metrics import LocalServiceCollector
from framewise_dev.state_file import write_state
from framewise_dev.supervisor import ServiceState, ServiceView

pytestmark = pytest.mark.unit


def view(name: str, state: ServiceState, **fields: object) -> ServiceView:
    values: dict[str, object] = {
        "pid": None,
        "restarts": 0,
        "last_exit_code": None,
        "last_exit": None,
        "restart_in_s": None,
        "reason": None,
        "log": f"/data/logs/{name}.log",
        **fields,
    }
    return ServiceView(name, state, **values)  # type: ignore[arg-type,unused-ignore]  # keys mypy cannot see


def test_what_the_supervisor_writes_the_api_reads(tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    views = [
        view("ml", ServiceState.RUNNING, pid=41),
        view("worker-gpu", ServiceState.RESTARTING, restarts=2, last_exit_code=-9, last_exit="killed by SIGKILL"),
        view("api", ServiceState.DOWN, restarts=5, last_exit_code=1, last_exit="exit code 1", reason="crashed"),
    ]
    write_state(path, views, supervisor_pid=7)
    assert [p.name for p in tmp_path.iterdir()] == ["services.json"]  # no temporary file left
    read = JsonFileLocalServices(path).read()
    assert read == [
        LocalService("ml", "running", 41, 0, None, None, None, "/data/logs/ml.log"),
        LocalService("worker-gpu", "restarting", None, 2, -9, "killed by SIGKILL", None, "/data/logs/worker-gpu.log"),
        LocalService("api", "down", None, 5, 1, "exit code 1", "crashed", "/data/logs/api.log"),
    ]

    registry = CollectorRegistry()
    registry.register(LocalServiceCollector(JsonFileLocalServices(path)))
    text = generate_latest(registry).decode()
    assert 'framewise_service_restarts_total{service="worker-gpu"} 2.0' in text
    assert 'framewise_service_state{service="api",state="down"} 1.0' in text
    assert 'framewise_service_state{service="api",state="running"} 0.0' in text


@pytest.mark.parametrize("content", [None, "", "{not json", '{"services": [{"state": "running"}]}', "[]"])
def test_no_file_or_one_not_understood_reads_as_no_services(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "services.json"
    if content is not None:
        path.write_text(content)
    assert JsonFileLocalServices(path).read() == []
    assert JsonFileLocalServices(None).read() == []
    registry = CollectorRegistry()
    registry.register(LocalServiceCollector(JsonFileLocalServices(path)))
    assert "framewise_service" not in generate_latest(registry).decode()
