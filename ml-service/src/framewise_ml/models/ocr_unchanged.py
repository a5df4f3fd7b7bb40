"""A line of text that did not change since the frame before keeps what the recogniser read in it.

A caption, a sign or a slide's title stays put, in frame after frame, while the picture around it
moves: the whole frame changed, so the detector runs and finds the line again, but the line's own
pixels did not, so the recogniser (a third of RapidOCR's time on such footage) need not read it
again. The recogniser's answer depends on the line's crop alone, so a crop that looks the same as
one of the frame before takes the answer read there.

"Looks the same": the detector's box of a still line moves by a pixel or so from frame to frame
(its outline follows the encoder's noise), so two crops whose sizes differ by at most SHIFT pixels
are laid over each other at every offset up to SHIFT pixels, and at the best offset no 8x8 window
of their grey pixels may differ by more than the change threshold on average (the threshold that
skips a whole unchanged frame: media/change.py; one new letter changes a window by tens).
"""

import copy
import itertools
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

import numpy as np
import numpy.typing as npt

from framewise_ml.media.change import BLOCK

Crop = npt.NDArray[np.uint8]  # a line cut out of the frame, BGR, height x width x 3 (as RapidOCR cuts it)
Reading = TypeVar("Reading")
SHIFT = 2  # pixels: how far apart two crops' sizes and contents may be and still be one line


class UnchangedLines(Generic[Reading]):
    """The crops of the last frame read, with their readings. A threshold of 0 reads every line.
    One request's frames, in order: not shared between requests."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.read = 0  # crops the recogniser read
        self.reused = 0  # crops that kept the frame before's reading
        self._last: list[tuple[npt.NDArray[np.float32], Reading]] = []  # grey crops

    def recognise(self, crops: Sequence[Crop], recognise: Callable[[list[Crop]], list[Reading]]) -> list[Reading]:
        """A reading per crop, in order: the known ones kept (copies: a caller may change them), the
        others from `recognise(crops)`; then this frame's crops are the ones to compare with."""
        if self.threshold <= 0:
            self.read += len(crops)
            return recognise(list(crops))
        greys = [_grey(crop) for crop in crops]
        known = [self._known(grey) for grey in greys]
        fresh = [crop for crop, reading in zip(crops, known, strict=True) if reading is None]
        answers = iter(recognise(fresh) if fresh else [])
        readings = [copy.deepcopy(r) if r is not None else next(answers) for r in known]
        self.read += len(fresh)
        self.reused += len(crops) - len(fresh)
        self._last = [(grey, copy.deepcopy(r)) for grey, r in zip(greys, readings, strict=True)]
        return readings

    def _known(self, grey: npt.NDArray[np.float32]) -> Reading | None:
        for seen, reading in self._last:
            if all(abs(a - b) <= SHIFT for a, b in zip(seen.shape, grey.shape, strict=True)):
                if aligned_change(seen, grey) <= self.threshold:
                    return reading
        return None


def aligned_change(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """The mean absolute difference of the most-changed BLOCK x BLOCK window of two grey crops,
    laid over each other at the offset (up to SHIFT pixels either way) where that is least;
    infinite where they share no window."""
    import cv2

    best, half = float("inf"), BLOCK // 2
    for dy, dx in itertools.product(range(-SHIFT, SHIFT + 1), repeat=2):
        one, other = _overlap(a, b, dy, dx), _overlap(b, a, -dy, -dx)
        if min(one.shape) < BLOCK:
            continue
        windows = cv2.blur(np.abs(one - other), (BLOCK, BLOCK))
        inside = windows[half : one.shape[0] - half + 1, half : one.shape[1] - half + 1]  # the windows wholly inside
        best = min(best, float(inside.max()))
    return best


def _overlap(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32], dy: int, dx: int) -> npt.NDArray[np.float32]:
    """The part of `a` that lies over `b` when `a` is moved up by dy and left by dx."""
    height = min(a.shape[0] - max(0, dy), b.shape[0] - max(0, -dy))
    width = min(a.shape[1] - max(0, dx), b.shape[1] - max(0, -dx))
    return a[max(0, dy) : max(0, dy) + max(0, height), max(0, dx) : max(0, dx) + max(0, width)]


def _grey(crop: Crop) -> npt.NDArray[np.float32]:
    import cv2

    return cast(npt.NDArray[np.float32], cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32))
