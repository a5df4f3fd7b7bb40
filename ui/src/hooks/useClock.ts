import { useCallback, useSyncExternalStore } from "react";
import type { PlayerClock } from "../lib/clock";

/** A value of the player's time (a number or a string: compared by value), re-rendering only when it changes. */
export function useClock<T extends number | string | boolean>(clock: PlayerClock, select: (ms: number) => T): T {
  const snapshot = useCallback(() => select(clock.now()), [clock, select]);
  return useSyncExternalStore(clock.subscribe, snapshot, snapshot);
}
