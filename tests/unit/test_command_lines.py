"""A command-line entry point's --help prints its usage and does nothing else: no settings are
read, no store is touched (the environment here has none of the settings they need)."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

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


SCRIPTS = {
    # every [project.scripts] entry of the four packages, and what `make run` starts
    "framewise-api": [],
    "framewise-migrate": [],
    "framewise-ml": [],
    "framewise-ml-models": [],
    "framewise-dev": [],
    "framewise-worker": [],
    "framewise-reconcile": [],
    "python -m framewise_dev.run": [sys.executable, "-m", "framewise_dev.run"],
}
STORE_SETTINGS = {"DATABASE_URL", "VALKEY_URL", "ML_SERVICE_URL", "API_TOKENS", "MEDIA_ROOTS", "MODEL_CACHE_DIR"}


def test_every_entry_point_is_installed_and_listed_here() -> None:
    declared = set()
    for project in Path(__file__).resolve().parents[2].glob("*/pyproject.toml"):
        declared |= set(tomllib.loads(project.read_text()).get("project", {}).get("scripts", {}))
    assert declared == {name for name in SCRIPTS if " " not in name}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_installed_script_help_prints_usage_and_starts_nothing(name: str, tmp_path: Path) -> None:
    """The installed command with --help: exit 0 at once with its usage on stdout, nothing on stderr,
    and nothing written where it ran (`framewise-dev` would otherwise make .data/ and media/, the
    servers would log their start). A server that had started would not have returned."""
    command = SCRIPTS[name] or [str(Path(sys.executable).parent / name)]
    env = {k: v for k, v in os.environ.items() if k not in STORE_SETTINGS}
    done = subprocess.run(
        [*command, "--help"], env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    prog = name.replace("python -m framewise_dev.run", "framewise-dev")
    assert done.stdout.startswith(f"usage: {prog} ") and "--help" in done.stdout, done.stdout
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []


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


BENCHES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "bench").glob("bench_*.py"))


@pytest.mark.parametrize("bench", BENCHES)
def test_every_benchmarks_help_prints_its_usage_and_runs_nothing(bench: str, tmp_path: Path) -> None:
    """`python -m bench.<name> --help` says what it measures; it starts no store, server or model."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{bench}", "--help"],
        env={**os.environ, "PYTHONPATH": str(root), "TMPDIR": str(tmp_path)},
        cwd=str(root),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {bench}"), done.stdout
    assert list(tmp_path.iterdir()) == []  # no temporary store or media folder was made
