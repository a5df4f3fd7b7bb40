"""Words of one line become one text with one box, lines in reading order.

An OCR engine reports pieces: EasyOCR often a word at a time, RapidOCR mostly whole lines but a line
broken where letters are far apart. A sign that says NO ENTRY must be one text, or a search for
`no entry` finds two partial hits. Two pieces are on one line when they overlap vertically by at
least half the shorter one's height, their heights differ by less than half, and the horizontal gap
between them is at most `gap` times the line's height (two columns of text stay apart). Pieces join
transitively; a line's text is its pieces from left to right, its box the rectangle around them,
its confidence the mean of theirs weighted by their length. Lines come top to bottom, then left to
right. Pure: no engine, no image."""

from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Read:
    """A piece of text an engine read, with its polygon in frame pixels and its confidence."""

    polygon: tuple[Point, ...]
    text: str
    confidence: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in self.polygon], [p[1] for p in self.polygon]
        return min(xs), min(ys), max(xs), max(ys)


def _same_line(a: Read, b: Read, gap: float) -> bool:
    ax1, ay1, ax2, ay2 = a.box
    bx1, by1, bx2, by2 = b.box
    ha, hb = ay2 - ay1, by2 - by1
    if ha <= 0 or hb <= 0:
        return False
    overlap = min(ay2, by2) - max(ay1, by1)
    if overlap < 0.5 * min(ha, hb) or abs(ha - hb) >= 0.5 * max(ha, hb):
        return False
    apart = max(bx1 - ax2, ax1 - bx2, 0.0)
    return apart <= gap * max(ha, hb)


def _join(pieces: list[Read]) -> Read:
    pieces = sorted(pieces, key=lambda r: (r.box[0], r.box[1]))
    boxes = [r.box for r in pieces]
    x1, y1 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x2, y2 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    weights = [max(1, len(r.text)) for r in pieces]
    confidence = sum(w * r.confidence for w, r in zip(weights, pieces, strict=True)) / sum(weights)
    text = " ".join(r.text for r in pieces)
    return Read(((x1, y1), (x2, y1), (x2, y2), (x1, y2)), text, confidence)


def lines(reads: Sequence[Read], gap: float = 1.5) -> list[Read]:
    """The pieces grouped into lines (see the module), each line's text stripped of outer space."""
    pieces = [Read(r.polygon, r.text.strip(), r.confidence) for r in reads if r.text.strip()]
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(pieces)):
        for j in range(i + 1, len(pieces)):
            if _same_line(pieces[i], pieces[j], gap):
                parent[root(j)] = root(i)
    groups: dict[int, list[Read]] = {}
    for i, piece in enumerate(pieces):
        groups.setdefault(root(i), []).append(piece)
    joined = [_join(group) if len(group) > 1 else group[0] for group in groups.values()]
    return sorted(joined, key=lambda r: (round(r.box[1]), r.box[0]))
