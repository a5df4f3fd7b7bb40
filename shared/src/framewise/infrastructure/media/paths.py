"""Confinement of paths to the configured media roots: traversal and symlink escapes are refused."""

from pathlib import Path

from framewise.domain.errors import InvalidPath, PathOutsideRoots


def resolve_roots(roots: list[str]) -> list[str]:
    return [str(Path(r).expanduser().resolve()) for r in roots]


def confine(path: str | Path, roots: list[str]) -> Path:
    """The real path of `path` (symlinks followed), provided it lies inside one of `roots`."""
    candidate = Path(path)
    try:
        real = candidate.resolve() if candidate.is_absolute() else (Path(roots[0]) / candidate).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # too long, NUL byte, symlink loop (3.11: RuntimeError)
        raise InvalidPath(str(path), _reason(exc)) from None
    for root in roots:
        if real == Path(root) or real.is_relative_to(root):
            return real
    raise PathOutsideRoots(str(path))


def _reason(exc: Exception) -> str:
    """Why a path did not resolve, in words that name no path (an OSError's text and 3.11's
    symlink-loop RuntimeError both carry the path they stopped at)."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, RuntimeError):
        return "a symlink loop"
    return str(exc)
