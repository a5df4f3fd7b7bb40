"""Build the web UI (ui/ -> ui/dist) when the build is missing or older than its sources: `npm ci`
when node_modules is missing, then `npm run build`. Used by `make run` and by the UI tests."""

import shutil
import subprocess
from pathlib import Path

UI_DIR = Path(__file__).resolve().parents[3] / "ui"
SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts")


class UiBuildError(RuntimeError):
    pass


def newest_source(ui: Path = UI_DIR) -> float:
    times = []
    for name in SOURCES:
        path = ui / name
        if path.is_dir():
            times += [p.stat().st_mtime for p in path.rglob("*") if p.is_file()]
        elif path.exists():
            times.append(path.stat().st_mtime)
    return max(times, default=0.0)


def is_stale(ui: Path = UI_DIR) -> bool:
    index = ui / "dist" / "index.html"
    return not index.exists() or index.stat().st_mtime < newest_source(ui)


def npm() -> str | None:
    return shutil.which("npm")


def build_ui(ui: Path = UI_DIR, *, force: bool = False) -> bool:
    """Build when stale (or `force`); True when it built. UiBuildError when npm is missing or fails."""
    if not force and not is_stale(ui):
        return False
    tool = npm()
    if tool is None:
        raise UiBuildError("npm is not installed: the web UI needs Node 20+ and npm (Debian 12's nodejs 18 is too old)")
    steps = []
    if not (ui / "node_modules").is_dir():
        steps.append([tool, "ci", "--no-audit", "--no-fund"])
    steps.append([tool, "run", "build"])
    for step in steps:
        done = subprocess.run(step, cwd=ui, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise UiBuildError(f"{' '.join(step[1:])} failed in {ui}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    (ui / "dist" / "index.html").touch()  # newer than every source, even one saved during the build
    return True
