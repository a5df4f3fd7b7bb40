"""A command-line entry point's --help prints its usage and does nothing else: no settings are
read, no store is touched (the environment here has none of the settings they need)."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("module", "prog"),
    [("framewise_worker.main", "framewise-worker"), ("framewise_worker.reconcile_cli", "framewise-reconcile")],
)
def test_help_does_nothing_else(module: str, prog: str, tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VALKEY_URL", "ML_SERVICE_URL"}}
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {prog}") and done.stderr == ""


def test_an_unknown_option_is_refused_before_anything_runs(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "framewise_worker.reconcile_cli", "--leases"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr
