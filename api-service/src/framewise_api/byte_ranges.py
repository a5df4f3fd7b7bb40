"""HTTP byte ranges, checked before the file response serves them, so that a bad one is a problem
document (400 malformed, 416 unsatisfiable) rather than the server's plain text. Numbers are ASCII
digits only: `str.isdigit` and `int` also take other scripts' digits and superscripts (`²`), which
`int` then refuses or reads as something no client meant."""

import re

from framewise.domain.errors import DomainError

RANGE = re.compile(r"bytes=[ \t]*(.+)", re.IGNORECASE | re.ASCII)
PART = re.compile(r"[ \t]*([0-9]*)[ \t]*-[ \t]*([0-9]*)[ \t]*", re.ASCII)
DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)  # at most 19 digits: below 2**63, as the file response reads them


class MalformedRange(DomainError):
    """A Range header that does not parse (400)."""


class UnsatisfiableRange(DomainError):
    """A Range that starts past the end of the file (416)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no byte of the requested range lies within the file's {size} bytes")
        self.size = size


def ascii_int(text: str) -> int | None:
    """`text` as a non-negative integer when it is 1 to 19 ASCII digits and nothing else, else None."""
    return int(text) if DIGITS.fullmatch(text) else None


def check_range(header: str | None, size: int) -> None:
    """Refuse, with a problem document, what the file response would answer in plain text."""
    if header is None:
        return
    found = RANGE.fullmatch(header.strip(" \t"))
    if not found:
        raise MalformedRange(f"Range must be bytes=<first>-<last>[, ...], got {header[:100]!r}")
    satisfiable = False
    for part in found.group(1).split(","):
        pieces = PART.fullmatch(part)
        first = ascii_int(pieces.group(1)) if pieces and pieces.group(1) else None
        last = ascii_int(pieces.group(2)) if pieces and pieces.group(2) else None
        if (
            pieces is None
            or (first is None and last is None)
            or (pieces.group(1) and first is None)
            or (pieces.group(2) and last is None)
        ):
            raise MalformedRange(f"Range part {part.strip()[:50]!r} is not <first>-<last>, <first>- or -<suffix>")
        if first is not None and last is not None and last < first:
            raise MalformedRange(f"Range part {part.strip()[:50]!r} ends before it starts")
        satisfiable |= (first < size) if first is not None else (last is not None and last > 0)
    if not satisfiable:
        raise UnsatisfiableRange(size)
