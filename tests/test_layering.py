"""The layering (docs/design/layering.md), read from the imports themselves, transitively through our own packages."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "framewise": ROOT / "shared/src/framewise",
    "framewise_api": ROOT / "api-service/src/framewise_api",
    "framewise_worker": ROOT / "worker-service/src/framewise_worker",
    "framewise_ml": ROOT / "ml-service/src/framewise_ml",
}
ML_LIBRARIES = {"torch", "torchvision", "ultralytics", "whisper", "easyocr", "cv2", "scenedetect", "facenet_pytorch"}
DATABASE = {"sqlalchemy", "asyncpg", "alembic", "framewise.infrastructure.postgres"}


def module_name(path: Path) -> str:
    for package, folder in SOURCES.items():
        if path.is_relative_to(folder):
            parts = path.relative_to(folder).with_suffix("").parts
            return ".".join((package, *parts)).removesuffix(".__init__")
    raise AssertionError(path)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


GRAPH = {module_name(p): imports_of(p) for folder in SOURCES.values() for p in folder.rglob("*.py")}


def closure(prefix: str) -> set[str]:
    """Every module imported, directly or through our own modules, by the modules under `prefix`."""
    seen: set[str] = set()
    stack = [m for m in GRAPH if m == prefix or m.startswith(prefix + ".")]
    visited: set[str] = set()
    while stack:
        module = stack.pop()
        if module in visited:
            continue
        visited.add(module)
        for imported in GRAPH.get(module, set()):
            seen.add(imported)
            own = [m for m in GRAPH if imported == m or imported.startswith(m + ".")]
            stack.extend(own)
    return seen


def hits(imported: set[str], forbidden: set[str]) -> set[str]:
    return {i for i in imported if any(i == f or i.startswith(f + ".") for f in forbidden)}


def test_domain_imports_only_the_standard_library_and_pydantic() -> None:
    allowed = set(sys.stdlib_module_names) | {"pydantic", "framewise"}
    outside = {i for i in closure("framewise.domain") if i.split(".")[0] not in allowed}
    assert outside == set()
    assert {
        i for i in closure("framewise.domain") if i.startswith("framewise.") and not i.startswith("framewise.domain")
    } == set()


def test_application_imports_no_infrastructure() -> None:
    assert hits(closure("framewise.application"), {"framewise.infrastructure", "sqlalchemy", "arq", "httpx"}) == set()


@pytest.mark.parametrize("service", ["framewise_api", "framewise_worker"])
def test_api_and_worker_import_no_ml_library(service: str) -> None:
    assert hits(closure(service), ML_LIBRARIES) == set()


def test_ml_service_imports_no_database_code() -> None:
    assert hits(closure("framewise_ml"), DATABASE) == set()


@pytest.mark.parametrize(
    ("entry", "forbidden"),
    [
        ("framewise_api.main", ML_LIBRARIES),
        ("framewise_worker.main", ML_LIBRARIES),
        ("framewise_ml.main", {"sqlalchemy", "asyncpg", "alembic"}),
    ],
)
def test_no_forbidden_module_is_loaded_at_run_time(entry: str, forbidden: set[str]) -> None:
    roots = sorted(forbidden)
    code = f"import sys, {entry}; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
