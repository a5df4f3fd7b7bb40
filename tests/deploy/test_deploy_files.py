"""The deployment files, checked by the real parsers: docker-compose, nginx and hadolint."""

import json
import os
import subprocess
from pathlib import Path
from string import Template

import pytest
import yaml

from tests.tools import require_tool

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted((ROOT / "dev").glob("Dockerfile.*"))
FRAMEWISE_SERVICES = {"api", "worker-gpu", "worker-cpu", "ml-service"}


@pytest.fixture(scope="module")
def compose() -> dict:
    tool = require_tool("docker-compose")
    return compose_config(tool, ROOT / "docker-compose.yml")


ENV = {
    "POSTGRES_PASSWORD": "test-only",
    "VALKEY_PASSWORD": "test-only-valkey",
    "ML_TOKEN": "test-only-ml-token-0123456789",
    "API_TOKENS": "test-only-token-0123456789",
    "GRAFANA_ADMIN_PASSWORD": "test-only",
}


def compose_config(tool: str, path: Path, env: dict[str, str] = ENV) -> dict:
    result = run_config(tool, path, env)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def run_config(tool: str, path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV}
    return subprocess.run(
        [tool, "-f", str(path), "config"], capture_output=True, text=True, env={**clean, **env}, cwd=ROOT, check=False
    )


@pytest.mark.parametrize("secret", ["ML_TOKEN", "VALKEY_PASSWORD", "POSTGRES_PASSWORD", "API_TOKENS"])
def test_compose_refuses_to_run_without_each_secret(secret: str) -> None:
    tool = require_tool("docker-compose")
    result = run_config(tool, ROOT / "docker-compose.yml", {k: v for k, v in ENV.items() if k != secret})
    assert result.returncode != 0 and secret in result.stderr


def test_the_ml_service_and_valkey_require_credentials(compose: dict) -> None:
    services = compose["services"]
    token = ENV["ML_TOKEN"]
    assert services["ml-service"]["environment"]["ML_TOKEN"] == token  # required: it listens on 0.0.0.0
    for caller in ("worker-gpu", "worker-cpu", "api"):  # the API reads /health and asks for reloads
        assert services[caller]["environment"]["ML_TOKEN"] == token
        assert services[caller]["environment"]["ML_SERVICE_URL"] == "http://ml-service:8001"
    command = services["valkey"]["command"]
    assert command[command.index("--requirepass") + 1] == ENV["VALKEY_PASSWORD"]
    for name in FRAMEWISE_SERVICES:
        url = services[name]["environment"]["VALKEY_URL"]
        assert url == f"redis://:{ENV['VALKEY_PASSWORD']}@valkey:6379/0", name
        assert f":{ENV['POSTGRES_PASSWORD']}@postgres:" in services[name]["environment"]["DATABASE_URL"]


def test_compose_runs_every_service_with_health_conditions(compose: dict) -> None:
    services = compose["services"]
    assert set(services) >= FRAMEWISE_SERVICES | {"postgres", "valkey", "nginx"}
    for name in ("worker-gpu", "worker-cpu"):
        assert services[name]["depends_on"]["ml-service"]["condition"] == "service_healthy"
    assert services["worker-gpu"]["environment"]["GPU_MODE"] == "gpu"
    assert services["worker-cpu"]["environment"]["GPU_MODE"] == "cpu"
    assert "--appendonly" in services["valkey"]["command"]


def test_only_nginx_and_grafana_are_published_and_the_ml_service_is_internal(compose: dict) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"nginx", "grafana"}
    assert "backend" not in compose["services"]["grafana"]["networks"]
    assert "backend" in compose["services"]["prometheus"]["networks"]
    ml_networks = set(compose["services"]["ml-service"]["networks"])
    assert ml_networks == {"backend"}
    assert compose["networks"]["backend"]["internal"] is True
    assert "backend" not in compose["services"]["nginx"]["networks"]


def test_the_ml_service_reserves_a_gpu(compose: dict) -> None:
    devices = compose["services"]["ml-service"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def test_every_setting_the_compose_file_passes_is_documented(compose: dict) -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    for name in FRAMEWISE_SERVICES | {"grafana"}:
        passed = {v for v in compose["services"][name]["environment"] if not v.startswith("GF_")}
        assert passed <= documented, f"{name}: undocumented {sorted(passed - documented)}"


def test_the_nginx_configuration_is_valid(tmp_path: Path) -> None:
    nginx = require_tool("nginx")
    rendered = Template((ROOT / "nginx" / "framewise.conf.template").read_text()).safe_substitute(
        API_UPSTREAM="127.0.0.1:8000", UPLOAD_MAX_BODY="4294967296"
    )
    (tmp_path / "framewise.conf").write_text(rendered)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n"
        f"  include {tmp_path}/framewise.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    hadolint = require_tool("hadolint")
    result = subprocess.run([hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_service_images_carry_no_ml_library() -> None:
    for name in ("Dockerfile.api", "Dockerfile.worker"):
        text = (ROOT / "dev" / name).read_text()
        assert "ml-service" not in text and "torch" not in text, name


class _ComposeLoader(yaml.SafeLoader):
    """YAML with Compose's `!reset` tag (Compose 2.24+), which Debian's docker-compose 1.29 predates."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: _RESET)
_RESET = object()


def _merge(base: object, override: object) -> object:
    """Compose's override rules for what the CPU file uses: mappings merge key by key, `!reset`
    removes the key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if value is _RESET:
                merged.pop(key, None)
            else:
                merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override


def test_the_cpu_only_override_drops_the_gpu_reservation_and_still_validates(tmp_path: Path) -> None:
    tool = require_tool("docker-compose")
    base = yaml.load((ROOT / "docker-compose.yml").read_text(), Loader=_ComposeLoader)
    cpu = yaml.load((ROOT / "docker-compose.cpu.yml").read_text(), Loader=_ComposeLoader)
    merged = tmp_path / "docker-compose.yml"
    merged.write_text(yaml.safe_dump(_merge(base, cpu), sort_keys=False))
    for folder in ("nginx", "prometheus", "grafana"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    config = compose_config(tool, merged)
    ml = config["services"]["ml-service"]
    assert "deploy" not in ml and ml["environment"]["REQUIRE_GPU"] == "false"
    assert set(config["services"]) == set(compose_config(tool, ROOT / "docker-compose.yml")["services"])


def test_prometheus_scrapes_every_service_and_its_configuration_and_rules_are_valid(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    config = yaml.safe_load((ROOT / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) >= FRAMEWISE_SERVICES
    ports = {"api": 8000, "ml-service": 8001, "worker-gpu": 9100, "worker-cpu": 9100}
    for name, port in ports.items():
        assert jobs[name]["dns_sd_configs"][0] == {"names": [name], "type": "A", "port": port}
    rules = tmp_path / "rules.yml"
    rules.write_text((ROOT / "prometheus" / "rules.yml").read_text())
    config["rule_files"] = [str(rules)]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    for command in (["check", "config", str(tmp_path / "prometheus.yml")], ["check", "rules", str(rules)]):
        result = subprocess.run([promtool, *command], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_is_provisioned_with_the_prometheus_source_and_the_dashboard() -> None:
    source = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    provider = yaml.safe_load((ROOT / "grafana/provisioning/dashboards/framewise.yml").read_text())["providers"][0]
    assert source["url"] == "http://prometheus:9090" and provider["options"]["path"] == "/var/lib/grafana/dashboards"
    dashboard = json.loads((ROOT / "grafana/dashboards/framewise-health.json").read_text())
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == source["uid"]
        assert all(target["expr"] for target in panel["targets"])
