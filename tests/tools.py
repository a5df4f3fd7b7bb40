"""What some tests need from the machine: external tools and Python packages.

The rule, in one place (`missing`): a test that cannot run because a tool or package is missing is
skipped on a laptop without it, but fails under CI (the environment variable CI=true, which .ci/run
sets): CI installs everything the suite uses, so there a missing one is a broken setup that a skip
would hide. Use `require_tool` and `requires` for those, never `pytest.importorskip` (a guard in
tests/test_ci_skips.py enforces it).

A skip about how the run is configured, not about what is installed (an external PostgreSQL the
test cannot restart, say), is `skip_configuration`: a skip everywhere, CI included.
"""

import importlib
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """Whether this run is CI's: CI=true (or 1, yes), as CI services and .ci/run set it."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing(message: str) -> NoReturn:
    """Something the test needs is not installed: a failure under CI, a skip elsewhere. Works at module
    level too (the whole module is skipped, or fails to collect under CI)."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing requirement fails instead of skipping)", pytrace=False)
    raise pytest.skip.Exception(message, allow_module_level=True)


def skip_configuration(reason: str) -> NoReturn:
    """A skip about how the run is configured, not about what is installed: it stays a skip under CI."""
    raise pytest.skip.Exception(reason, allow_module_level=True)


def require_tool(name: str) -> str:
    """Path of `name` on PATH or in the virtual environment (`missing` when it is not there)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    missing(f"{name} is not installed (.ci/run installs it)")


def requires(module: str, *, package: str | None = None) -> ModuleType:
    """The module `module`, imported (`missing` when it cannot be: the project installs every package
    the suite uses; `package` names the distribution to install when it differs from the module)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        why = f"{package or module} is not installed (could not import {module!r}: {exc})"
    missing(why)  # outside the except: the message alone, not the ImportError's traceback with it
