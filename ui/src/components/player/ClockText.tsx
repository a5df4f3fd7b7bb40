import { useCallback } from "react";
import { useClock } from "../../hooks/useClock";
import type { PlayerClock } from "../../lib/clock";
import { formatDuration, formatTime } from "../../lib/format";

/** "0:04.2 / 0:14": the player's time, to the tenth. */
export function ClockText({ clock, durationMs }: { clock: PlayerClock; durationMs: number }) {
  const text = useClock(
    clock,
    useCallback((ms: number) => `${formatTime(ms)} / ${formatDuration(durationMs)}`, [durationMs]),
  );
  return (
    <p className="clock" aria-live="off">
      {text}
    </p>
  );
}
