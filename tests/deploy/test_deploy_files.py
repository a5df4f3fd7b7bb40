"""The deployment files, checked by the real parsers: docker-compose, nginx and hadolint."""

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
    env = {**os.environ, "POSTGRES_PASSWORD": "test-only", "API_TOKENS": "test-only-token-0123456789"}
    result = subprocess.run(
        [tool, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_runs_every_service_with_health_conditions(compose: dict) -> None:
    services = compose["services"]
    assert set(services) >= FRAMEWISE_SERVICES | {"postgres", "valkey", "nginx"}
    for name in ("worker-gpu", "worker-cpu"):
        assert services[name]["depends_on"]["ml-service"]["condition"] == "service_healthy"
    assert services["worker-gpu"]["environment"]["GPU_MODE"] == "gpu"
    assert services["worker-cpu"]["environment"]["GPU_MODE"] == "cpu"
    assert "--appendonly" in services["valkey"]["command"]


def test_only_nginx_is_published_and_the_ml_service_is_internal(compose: dict) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"nginx"}
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
    for name in FRAMEWISE_SERVICES:
        passed = set(compose["services"][name]["environment"])
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
