"""Debian's nginx on loopback, with the shipped configuration, in front of the real API process:
it serves the API and the web UI and nothing else (the ML service's and workers' paths, and the API's
docs, health and metrics, are refused)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from string import Template

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api import AUTH, TOKEN
from tests.e2e.processes import free_port
from tests.tools import require_tool

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture
def behind_nginx(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, tmp_path: Path
) -> Iterator[str]:
    nginx = require_tool("nginx")
    api_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VALKEY_URL": valkey_url,
        "MEDIA_ROOTS": str(media_root),
        "API_TOKENS": TOKEN,
        "API_PORT": str(api_port),
        "DISCOVER_ON_START": "false",
        "DISCOVERY_WATCH": "off",
        "LOG_LEVEL": "WARNING",
        "UI_DIR": str(tmp_path / "ui"),
    }
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "index.html").write_text("<!doctype html><title>Framewise</title>")
    api = subprocess.Popen([sys.executable, "-m", "framewise_api.main"], env=env)
    rendered = Template((ROOT / "nginx" / "framewise.conf.template").read_text()).safe_substitute(
        API_UPSTREAM=f"127.0.0.1:{api_port}", UPLOAD_MAX_BODY="1048576"
    )
    rendered = rendered.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    (tmp_path / "framewise.conf").write_text(rendered)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  proxy_temp_path {tmp_path};\n"
        f"  include {tmp_path}/framewise.conf;\n}}\n"
    )
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
    try:
        wait_for(f"http://127.0.0.1:{api_port}/healthz", api)
        wait_for(f"http://127.0.0.1:{http_port}/nginx-health", proxy)
        yield f"http://127.0.0.1:{http_port}"
    finally:
        for process in (proxy, api):
            process.terminate()
            process.wait(15)


def test_nginx_serves_the_api_and_refuses_everything_else(behind_nginx: str) -> None:
    with httpx.Client(base_url=behind_nginx, timeout=10) as client:
        tasks = client.get("/api/v1/tasks", headers={**AUTH, "X-Correlation-ID": "through-nginx-1"})
        assert tasks.status_code == 200 and tasks.json()["total"] == 0
        assert tasks.headers["x-correlation-id"] == "through-nginx-1"  # carried through to the API
        assert tasks.headers["x-content-type-options"] == "nosniff" and tasks.headers["x-frame-options"] == "DENY"
        for header in ("x-content-type-options", "x-frame-options", "content-security-policy", "referrer-policy"):
            assert len(tasks.headers.get_list(header)) == 1, header  # the API's and nginx's never both
        assert client.get("/api/v1/tasks").status_code == 401  # the API's own auth still applies
        for path in ("/infer/ocr", "/health", "/livez", "/metrics", "/healthz", "/readyz", "/docs", "/openapi.json"):
            assert client.get(path).status_code == 404, path
        page = client.get("/search")  # the web UI, which the API serves, under its own policy
        assert page.status_code == 200 and "<title>Framewise" in page.text
        assert page.headers.get_list("content-security-policy") == [page.headers["content-security-policy"]]
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert tasks.headers["content-security-policy"].startswith("default-src 'none'")
        assert client.post("/infer/scenes", json={"video_path": "/etc/passwd"}).status_code == 404
        too_big = client.post("/api/v1/videos?filename=x.mp4", content=b"\0" * (1024 * 1024 + 1), headers=AUTH)
        assert too_big.status_code == 413  # nginx's limit, matching the API's UPLOAD_MAX_BYTES


def test_a_write_from_the_uis_own_page_passes_through_nginx_on_another_port(behind_nginx: str) -> None:
    """nginx hands the API the Host the browser sent, port included, so the UI's own Origin matches
    it (with `$host` the port was dropped and every write of the UI through nginx was a 403)."""
    with httpx.Client(base_url=behind_nginx, timeout=10) as browser:
        assert browser.post("/api/v1/session", json={"token": TOKEN}).status_code == 200
        own = browser.post("/api/v1/paths/discover", headers={"Origin": behind_nginx})
        assert own.status_code == 200, own.text
        other_port = behind_nginx.rsplit(":", 1)[0] + ":18999"
        assert browser.post("/api/v1/paths/discover", headers={"Origin": other_port}).status_code == 403
