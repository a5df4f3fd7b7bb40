"""The UI's own logic and components, tested by Vitest (ui/src/**/*.test.ts(x)), run from here so `make test`
covers it; and the bundle kept small: all of its JavaScript, and what the first load fetches before any page."""

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


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def test_the_first_load_is_small(ui_dist: Path) -> None:
    """All of the UI's JavaScript, every page's chunk included, gzipped: at most 200 KB."""
    scripts = list((ui_dist / "assets").glob("*.js"))
    assert scripts
    gzipped = sum(gzipped_size(p) for p in scripts)
    assert gzipped <= 200 * 1024, gzipped


def test_the_first_load_fetches_only_the_shell_and_at_most_150_kb(ui_dist: Path) -> None:
    """What index.html loads before any page (its script and the modules it preloads), gzipped: at most
    150 KB (issue 25's budget); the pages are chunks of their own, fetched when first visited."""
    html = (ui_dist / "index.html").read_text()
    first = set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="/(assets/[^"]+\.js)"', html))
    everything = {f"assets/{p.name}" for p in (ui_dist / "assets").glob("*.js")}
    assert first and first < everything, (first, everything)  # some JavaScript is left for later
    gzipped = sum(gzipped_size(ui_dist / name) for name in first)
    assert gzipped <= 150 * 1024, gzipped
