import { useCallback } from "react";
import { useClock } from "../../hooks/useClock";
import type { PlayerClock } from "../../lib/clock";
import { playheadPct } from "../../lib/timeline";

/** Where the player is, on a lane: follows the clock alone, so the lane's moments are not drawn again. */
export function Playhead({ clock, durationMs }: { clock: PlayerClock; durationMs: number }) {
  const pct = useClock(
    clock,
    useCallback((ms: number) => playheadPct(ms, durationMs), [durationMs]),
  );
  return <div className="playhead" aria-hidden="true" style={{ left: `${pct}%` }} />;
}
