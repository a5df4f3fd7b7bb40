"""How far a windowed task is, and how long the rest will take.

`progress` is committed media time over the whole. `eta_s` is the media still to do at the pace of
the task's last few committed windows, in wall time: each window counts from the commit before it
(the first window of an attempt from the attempt's start) to its own commit, so the time its job
waited in the queue behind other videos' windows and the time it shared the machine with the
video's other analyses are in it. That is what a person waits for; the ML service's compute time
alone would promise far less whenever analyses share the device. Only the recent windows count, so
the estimate follows a change of pace (the other analyses finishing, a second video arriving).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

PACE_WINDOWS = 3  # the committed windows whose pace the estimate follows


@dataclass(frozen=True)
class Checkpoint:
    """One committed window: how much media it covered, and when it was committed."""

    media_ms: int
    committed_at: datetime


def fraction_done(total_ms: int, committed_ms: int) -> float:
    """Committed media time over the whole, between 0 and 1 (a video of unknown length is 0 until done)."""
    return min(1.0, max(0.0, committed_ms / total_ms)) if total_ms > 0 else 0.0


def time_left_s(remaining_ms: int, checkpoints: Sequence[Checkpoint], since: datetime | None) -> float | None:
    """Seconds until the `remaining_ms` of media are done, at the wall-clock pace of the last
    PACE_WINDOWS windows committed since `since` (the current attempt's start); None until one has
    been measured. Windows of an earlier attempt are left out: the time between attempts (a worker
    that died, the lease running out) is no measure of the pace."""
    if remaining_ms <= 0:
        return 0.0
    mine = sorted((c for c in checkpoints if since is None or c.committed_at >= since), key=lambda c: c.committed_at)
    if since is None:  # the first window's start is unknown: it only marks where the next one starts
        mine, start = mine[1:], (mine[0].committed_at if mine else None)
    else:
        start = since
    if not mine or start is None:
        return None
    recent = mine[-PACE_WINDOWS:]
    if len(mine) > PACE_WINDOWS:
        start = mine[-PACE_WINDOWS - 1].committed_at
    wall_s = (recent[-1].committed_at - start).total_seconds()
    media_ms = sum(c.media_ms for c in recent)
    if wall_s <= 0 or media_ms <= 0:
        return None
    return remaining_ms * wall_s / media_ms
