"""HTTP byte ranges, checked before the file response serves them, so that a bad one is a problem
document (400 malformed, 416 unsatisfiable) rather than the server's plain text."""

import re

from framewise.domain.errors import DomainError

RANGE = re.compile(r"bytes=\s*(.+)", re.IGNORECASE)


class MalformedRange(DomainError):
    """A Range header that does not parse (400)."""


class UnsatisfiableRange(DomainError):
    """A Range that starts past the end of the file (416)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no byte of the requested range lies within the file's {size} bytes")
        self.size = size


def check_range(header: str | None, size: int) -> None:
    """Refuse, with a problem document, what the file response would answer in plain text."""
    if header is None:
        return
    found = RANGE.fullmatch(header.strip())
    if not found:
        raise MalformedRange(f"Range must be bytes=<first>-<last>[, ...], got {header[:100]!r}")
    satisfiable = False
    for part in found.group(1).split(","):
        first, dash, last = (piece.strip() for piece in part.partition("-"))
        if not dash or not (first or last) or not all(p.isdigit() for p in (first, last) if p):
            raise MalformedRange(f"Range part {part.strip()[:50]!r} is not <first>-<last>, <first>- or -<suffix>")
        if first and last and int(last) < int(first):
            raise MalformedRange(f"Range part {part.strip()[:50]!r} ends before it starts")
        satisfiable |= (int(first) < size) if first else int(last) > 0
    if not satisfiable:
        raise UnsatisfiableRange(size)
