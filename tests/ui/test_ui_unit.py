"""The UI's own logic, unit-tested by Vitest (ui/src/*.test.ts), run from here so `make test` covers it;
and the bundle kept small."""

import gzip
import os
import re
import subprocess
from pathlib import Path

import pytest

from framewise_dev.ui_build import UI_DIR, npm

pytestmark = pytest.mark.ui


def test_vitest_passes(ui_dist: Path) -> None:  # ui_dist: node_modules installed, the build type-checked
    plain = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}  # under CI=true vitest colours its summary
    done = subprocess.run(
        [str(npm()), "test", "--", "--reporter=verbose"],
        cwd=UI_DIR,
        capture_output=True,
        text=True,
        check=False,
        env=plain,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    out = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)  # and in case a terminal setting still colours it
    passed = re.search(r"Tests\s+(\d+) passed", out)
    assert passed and int(passed.group(1)) >= 10, out[-2000:]
    assert "failed" not in out.split("Tests", 1)[1].splitlines()[0]


def test_the_first_load_is_small(ui_dist: Path) -> None:
    """Everything index.html loads, gzipped: at most 200 KB of JavaScript (it is far less)."""
    scripts = list((ui_dist / "assets").glob("*.js"))
    assert scripts
    gzipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in scripts)
    assert gzipped <= 200 * 1024, gzipped
