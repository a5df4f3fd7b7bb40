"""Windows: each analysis of a video runs as a sequence of windows of media time, each one ML call
and one committed checkpoint, so no call grows with the length of the video and a resumed task
starts at the first window not yet committed.

Windowed results equal a single pass:
- Frame analyses sample on the video's global grid (the first frame at or after each multiple of
  the interval), and windows start on that grid, so every window samples exactly the frames a
  single pass would.
- Scene cuts: each window after the first is asked from `CUT_CONTEXT_MS` earlier, so a cut on or
  just after the boundary is seen with the frames before it; only cuts at or after the window's own
  start are kept, and the run's scenes are rebuilt from all its cuts, so a boundary invents none.
- Speech: each window is transcribed with `SPEECH_CONTEXT_MS` of audio on either side, and keeps the
  words whose middle lies inside it: a word at a boundary is kept once, by the window it belongs to.
"""

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from framewise.domain.payloads import SceneV1, TranscriptSegmentV1

CUT_CONTEXT_MS = 3000
SPEECH_CONTEXT_MS = 5000


class Stitching(StrEnum):
    FRAMES = "frames"  # one item per sampled frame: windows on the sampling grid need nothing more
    SPEECH = "speech"  # segments of words: context on both sides, words kept by their middle
    CUTS = "cuts"  # scenes: context before, cuts kept from the window's start, scenes rebuilt


DEFAULT_WINDOW_MS = 300_000


@dataclass(frozen=True)
class WindowSizes:
    """How long each analysis's windows are (ANALYSIS_WINDOW_S, with per-analysis overrides)."""

    default_ms: int = DEFAULT_WINDOW_MS
    by_analysis: Mapping[str, int] = field(default_factory=dict)  # task type -> window length

    def of(self, task_type: str) -> int:
        return self.by_analysis.get(task_type, self.default_ms)


@dataclass(frozen=True)
class Window:
    index: int
    start_ms: int
    end_ms: int | None  # None: to the end of a video of unknown length


def plan(duration_ms: int, window_ms: int, grid_ms: int = 1) -> list[Window]:
    """The windows of a video: `window_ms` long (rounded down to a multiple of `grid_ms`, at least
    one grid step), the last one ending at the video's end. A video of unknown length is one window."""
    if duration_ms <= 0:
        return [Window(0, 0, None)]
    step = max(grid_ms, window_ms // grid_ms * grid_ms)
    starts = range(0, duration_ms, step)
    return [Window(i, start, min(start + step, duration_ms)) for i, start in enumerate(starts)]


def request_span(stitching: Stitching, window: Window, duration_ms: int) -> tuple[int, int | None]:
    """The media time to ask the ML service for, to answer `window`."""
    end = window.end_ms
    if stitching is Stitching.CUTS and window.index > 0:
        return max(0, window.start_ms - CUT_CONTEXT_MS), end
    if stitching is Stitching.SPEECH and end is not None:
        return max(0, window.start_ms - SPEECH_CONTEXT_MS), min(duration_ms, end + SPEECH_CONTEXT_MS)
    return window.start_ms, end


def _inside(window: Window, start_ms: int, end_ms: int) -> bool:
    middle = (start_ms + end_ms) // 2
    return window.start_ms <= middle and (window.end_ms is None or middle < window.end_ms)


def words_inside(window: Window, segments: Sequence[TranscriptSegmentV1]) -> list[TranscriptSegmentV1]:
    """The transcript segments of a window asked with context, each with the words whose middle is
    inside the window (a segment without words is kept by its own middle). A segment cut by the
    boundary spans its kept words, and its text is theirs."""
    kept: list[TranscriptSegmentV1] = []
    for segment in segments:
        words = segment.words or []
        if not words:
            if _inside(window, segment.start_ms, segment.end_ms):
                kept.append(segment)
            continue
        mine = [w for w in words if _inside(window, w.start_ms, w.end_ms)]
        if len(mine) == len(words):
            kept.append(segment)
        elif mine and (text := " ".join(t for w in mine if (t := w.word.strip()))):
            trimmed = {"start_ms": mine[0].start_ms, "end_ms": mine[-1].end_ms, "text": text, "words": mine}
            kept.append(segment.model_copy(update=trimmed))
    return kept


def cuts_inside(window: Window, scenes: Sequence[SceneV1]) -> tuple[list[int], int]:
    """The cuts in a window's scenes (every scene start but the first, which is where the asked
    span began) at or after the window's start, and where its last scene ends."""
    spans = sorted((s.start_ms, s.end_ms) for s in scenes)
    if not spans:
        return [], window.end_ms or window.start_ms
    cuts = [start for start, _ in spans[1:] if start >= window.start_ms]
    return cuts, spans[-1][1]


def scenes_from_cuts(cuts: Sequence[int], end_ms: int) -> list[SceneV1]:
    """Scenes from 0 to `end_ms`, split at every cut."""
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < end_ms), end_ms]
    return [
        SceneV1(scene_index=i, start_ms=start, end_ms=end)
        for i, (start, end) in enumerate(itertools.pairwise(bounds))
        if end > start
    ]
