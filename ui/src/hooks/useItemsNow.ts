import { useCallback, useMemo } from "react";
import { useBoxedArtifacts } from "../api/queries";
import type { Artifact } from "../api/types";
import { itemsAt, windowAround } from "../lib/boxes";
import type { PlayerClock } from "../lib/clock";
import { useClock } from "./useClock";

export const BOX_TOLERANCE_MS = 600;
const NONE: Artifact[] = [];
const blockOf = (ms: number): number => windowAround(ms).start_ms;

/** The boxed items on screen now: the artifacts of the 10 s block around the playhead, the nearest
 * sampled frame per analysis; re-renders only when the block or the items shown change. */
export function useItemsNow(videoId: string, clock: PlayerClock): Artifact[] {
  const blockStart = useClock(clock, blockOf);
  const items = useBoxedArtifacts(videoId, blockStart).data ?? NONE;
  const shownNow = useCallback(
    (ms: number) =>
      itemsAt(items, ms, BOX_TOLERANCE_MS)
        .map((i) => i.id)
        .join(","),
    [items],
  );
  const signature = useClock(clock, shownNow);
  return useMemo(() => {
    const ids = new Set(signature.split(","));
    return items.filter((i) => ids.has(i.id));
  }, [items, signature]);
}
