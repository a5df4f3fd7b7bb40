"""Where fitted test models are kept between runs, and how one is built once, safely.

A fit is keyed by its recipe and by the source of the module that fits it, so changing either fits
again. Builds take a file lock (parallel runs wait for one fit) and appear by an atomic rename
(an interrupted fit leaves nothing a later run would trust).
"""

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[3]


def cache_root() -> Path:
    return Path(os.environ.get("FRAMEWISE_TEST_CACHE", ROOT / ".cache" / "test-models"))


def recipe_key(recipe: Any, source: Path) -> str:
    """12 hex digits of the recipe (a dataclass) and of the source file that fits it."""
    text = json.dumps(asdict(recipe), sort_keys=True) + hashlib.sha256(source.read_bytes()).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cached_fit(name: str, key: str, weights: str, fit: Callable[[Path], None]) -> Path:
    """`<cache>/<name>-<key>/<weights>`; `fit(folder)` fills a fresh folder on first use and
    raises if the fit is not good enough to test with."""
    root = cache_root()
    final = root / f"{name}-{key}"
    if (final / weights).is_file():
        return final / weights
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f"{name}-{key}.lock")):
        if (final / weights).is_file():  # another run finished it while this one waited
            return final / weights
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
        try:
            fit(partial)
            partial.replace(final)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return final / weights
