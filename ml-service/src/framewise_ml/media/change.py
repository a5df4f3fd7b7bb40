"""How much a sampled frame differs from the last one analysed, cheaply: both as 128x72 grey
thumbnails, the mean absolute difference of the most-changed 8x8 block (0 to 255).

The most-changed block, not the whole picture: a slide whose text changes in one line, on the same
background and layout, changes a few blocks a lot and the picture's average hardly at all (a mean over
the whole thumbnail read such slides as unchanged and reported the previous slide's text). Encoding
noise moves a block by a point or two; a line of new text, tens."""

import numpy as np
import numpy.typing as npt

THUMB = (128, 72)  # width, height: 16 x 9 blocks of 8 x 8
BLOCK = 8

Thumbnail = npt.NDArray[np.float32]


def thumbnail(image: npt.NDArray[np.uint8]) -> Thumbnail:
    """The RGB frame as a small grey picture."""
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


def change(a: Thumbnail, b: Thumbnail) -> float:
    """The mean absolute difference of the most-changed block of two thumbnails."""
    rows, cols = THUMB[1] // BLOCK, THUMB[0] // BLOCK
    blocks = np.abs(a - b).reshape(rows, BLOCK, cols, BLOCK).mean(axis=(1, 3))
    return float(blocks.max())
