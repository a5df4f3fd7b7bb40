"""How much a sampled frame differs from the last one analysed, cheaply: both as 128x72 grey
thumbnails, the mean absolute difference of the most-changed 8x8 block (0 to 255).

The most-changed block, not the whole picture: a slide whose text changes in one line, on the same
background and layout, changes a few blocks a lot and the picture's average hardly at all (a mean over
the whole thumbnail read such slides as unchanged and reported the previous slide's text). Encoding
noise moves a block by a point or two; a line of new text, tens."""

from collections.abc import Iterable, Iterator
from typing import cast

import numpy as np
import numpy.typing as npt
from pydantic import JsonValue

from framewise_ml.media.frames import Frame
from framewise_ml.models.base import Prediction

THUMB = (128, 72)  # width, height: 16 x 9 blocks of 8 x 8
BLOCK = 8

Thumbnail = npt.NDArray[np.float32]


def thumbnail(image: npt.NDArray[np.uint8]) -> Thumbnail:
    """The RGB frame as a small grey picture."""
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


def change(a: Thumbnail, b: Thumbnail) -> float:
    """The mean absolute difference of the most-changed block of two thumbnails of one size (each
    side a multiple of BLOCK)."""
    rows, cols = a.shape[0] // BLOCK, a.shape[1] // BLOCK
    blocks = np.abs(a - b).reshape(rows, BLOCK, cols, BLOCK).mean(axis=(1, 3))
    return float(blocks.max())


class UnchangedFrames:
    """Sampled frames that look like the last one analysed are not analysed again: `fresh` passes on
    the others, and `fill` gives each skipped frame a copy of its look-alike's items, with its own
    frame index and timestamp. A frame is compared with the last one analysed, not the one before
    it, so a slow drift is analysed once it adds up. A threshold of 0 analyses every frame."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.analysed = 0
        self._last: Thumbnail | None = None
        self._source = -1
        self._repeats: dict[int, list[tuple[int, int]]] = {}  # analysed frame -> (index, ms) of its look-alikes

    def fresh(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        for frame in frames:
            if self.threshold > 0:
                thumb = thumbnail(frame.image)
                if self._last is not None and change(thumb, self._last) <= self.threshold:
                    self._repeats[self._source].append((frame.index, frame.timestamp_ms))
                    continue
                self._last, self._source = thumb, frame.index
                self._repeats[frame.index] = []
            self.analysed += 1
            yield frame

    @property
    def reused(self) -> int:
        return sum(len(r) for r in self._repeats.values())

    def fill(self, items: list[JsonValue]) -> list[JsonValue]:
        """`items` (each with `frame_index` and `timestamp_ms`), with the copies for the skipped
        frames, in frame order."""
        copies: list[JsonValue] = []
        for item in cast(list[dict[str, JsonValue]], items):
            for index, timestamp_ms in self._repeats.get(cast(int, item["frame_index"]), []):
                copies.append({**item, "frame_index": index, "timestamp_ms": timestamp_ms})
        if not copies:
            return items
        everything: list[dict[str, JsonValue]] = cast(list[dict[str, JsonValue]], [*items, *copies])
        everything.sort(key=_frame_index)  # stable: a frame's own items keep their order
        return list(everything)


    def prediction(self, items: list[JsonValue], decode_s: float, infer_s: float) -> Prediction:
        """The model's answer: `items` filled in for the frames that reused one, the times in ms, and
        how many frames were analysed and reused."""
        return Prediction(
            self.fill(items),
            decode_ms=round(decode_s * 1000, 2),
            inference_ms=round(infer_s * 1000, 2),
            frames_analysed=self.analysed,
            frames_reused=self.reused,
        )


def _frame_index(item: dict[str, JsonValue]) -> int:
    return cast(int, item["frame_index"])
