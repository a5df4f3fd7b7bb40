"""The real API app on the real stores, driven in-process through Starlette's TestClient."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from framewise_api.main import create_app
from framewise_api.rate_limit import ValkeyRateLimiter
from framewise_api.settings import ApiSettings

TOKEN = "test-token-0123456789abcdef"
OTHER_TOKEN = "other-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def api_client(database_url: str, valkey_url: str, media_root: Path, **overrides: Any) -> Iterator[TestClient]:
    """A client that sends TOKEN; background discovery is off unless an override turns it on."""
    app = api_app(database_url, valkey_url, media_root, **overrides)
    with TestClient(app, headers=AUTH, raise_server_exceptions=False) as client:
        yield client


def api_app(database_url: str, valkey_url: str, media_root: Path, **overrides: Any) -> Any:
    """The API's app with the tests' tokens, on these stores and root (no `.env` read)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "valkey_url": valkey_url,
        "media_roots": [str(media_root)],
        "api_tokens": [TOKEN, OTHER_TOKEN],
        "discover_on_start": False,
        "discovery_interval_s": 0,
        "discovery_watch": "off",
        "discovery_settle_s": 0,
        **overrides,
    }
    return create_app(ApiSettings(_env_file=None, **values))  # type: ignore[call-arg]


class ManualClock:
    """Unix seconds that move only when the test moves them (from the wall clock's now)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def drive_rate_limits(client: TestClient) -> ManualClock:
    """Put the running app's rate limiter on a clock the test drives: its verdicts are a function of
    that clock alone, never of how long the test took."""
    container = client.app.state.container  # type: ignore[attr-defined]
    clock = ManualClock()
    container.rate_limiter = ValkeyRateLimiter(container.pool, container.settings.rate_limit_window_s, clock)
    return clock
