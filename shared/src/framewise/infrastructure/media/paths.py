"""Confinement of paths to the configured media roots: traversal and symlink escapes are refused."""

from pathlib import Path

from framewise.domain.errors import PathOutsideRoots


def resolve_roots(roots: list[str]) -> list[str]:
    return [str(Path(r).expanduser().resolve()) for r in roots]


def confine(path: str | Path, roots: list[str]) -> Path:
    """The real path of `path` (symlinks followed), provided it lies inside one of `roots`."""
    candidate = Path(path)
    real = candidate.resolve() if candidate.is_absolute() else (Path(roots[0]) / candidate).resolve()
    for root in roots:
        if real == Path(root) or real.is_relative_to(root):
            return real
    raise PathOutsideRoots(str(path))
