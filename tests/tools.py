"""Finding the external tools some tests need: skipped on a laptop without them, a failure in CI."""

import os
import shutil
import sys
from pathlib import Path

import pytest


def require_tool(name: str) -> str:
    """Path of `name` on PATH or in the virtual environment. CI installs every tool the suite uses, so
    there a missing tool fails the test instead of silently skipping it."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
