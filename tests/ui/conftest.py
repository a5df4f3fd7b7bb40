"""The web UI's build, once per test run and only when stale (so `make test` works on a fresh clone)."""

from pathlib import Path

import pytest

from framewise_dev.ui_build import UI_DIR, UiBuildError, build_ui, npm
from tests.tools import missing, require_tool


@pytest.fixture(scope="session")
def ui_dist() -> Path:
    """ui/dist, built (`npm ci` when node_modules is missing, then `npm run build`) when older than its sources."""
    require_tool("node")
    if npm() is None:
        missing("npm is not installed (.ci/run installs nodejs and npm)")
    try:
        build_ui()
    except UiBuildError as exc:
        pytest.fail(str(exc), pytrace=False)
    return UI_DIR / "dist"
