"""When `make run` restarts a service that exited on its own, and when it gives up (docs/design/make-run.md).

Pure: the times of a service's crashes in, a decision out. The backoff doubles with each crash that is
still inside the window (1 s, 2 s, 4 s ... up to the cap), so a service that ran well for longer than the
window starts again from the shortest delay; the crash that makes `max_crashes` inside the window is the
last one: the service stays down.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Restart:
    """Start the service again after `delay_s`."""

    delay_s: float
    crashes_in_window: int


@dataclass(frozen=True)
class GiveUp:
    """Leave the service down: it crashed `crashes_in_window` times within the window."""

    crashes_in_window: int


Decision = Restart | GiveUp


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff doubling from `backoff_s` to `backoff_max_s`; down at `max_crashes` crashes within `window_s`."""

    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    max_crashes: int = 6
    window_s: float = 600.0

    def __post_init__(self) -> None:
        if not 0 < self.backoff_s <= self.backoff_max_s:
            raise ValueError("need 0 < backoff_s <= backoff_max_s")
        if self.max_crashes < 1 or self.window_s <= 0:
            raise ValueError("need max_crashes >= 1 and window_s > 0")

    def decide(self, crashes: Sequence[float], now: float) -> Decision:
        """What to do after the latest crash. `crashes`: the monotonic times of the service's crashes,
        the latest included (it is `now` or before)."""
        recent = sum(1 for t in crashes if now - t < self.window_s)
        if recent >= self.max_crashes:
            return GiveUp(recent)
        # The exponent is bounded so that a large window never overflows a float.
        doublings = min(max(recent - 1, 0), 64)
        return Restart(min(self.backoff_max_s, self.backoff_s * 2.0**doublings), recent)
