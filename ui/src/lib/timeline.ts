// Where moments sit on a lane, which one plays at a time, and how focus moves along a lane.

export interface Span {
  start_ms: number;
  end_ms: number;
}

export interface Placed {
  leftPct: number;
  widthPct: number;
}

/** Where a moment sits on a lane of a video `durationMs` long; at least `minPct` wide to be clickable. */
export function placeOnLane(span: Span, durationMs: number, minPct = 0.6): Placed {
  if (durationMs <= 0) return { leftPct: 0, widthPct: minPct };
  const clamp = (v: number): number => Math.min(Math.max(v, 0), durationMs);
  const left = Math.min((clamp(span.start_ms) / durationMs) * 100, 100 - minPct);
  const width = Math.max(((clamp(span.end_ms) - clamp(span.start_ms)) / durationMs) * 100, minPct);
  const round = (v: number): number => Math.round(v * 1e4) / 1e4;
  return { leftPct: round(left), widthPct: round(Math.min(width, 100 - left)) };
}

/** The index of the span playing at `tMs` (sorted by start), or -1: binary search, for long transcripts. */
export function activeIndex(spans: readonly Span[], tMs: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((spans[mid] as Span).start_ms <= tMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  const span = spans[found];
  if (span && tMs < Math.max(span.end_ms, span.start_ms + 1)) return found;
  return -1;
}

/** The playhead's place on the lanes, in percent of the video. */
export function playheadPct(tMs: number, durationMs: number): number {
  return durationMs > 0 ? Math.min(100, Math.max(0, (tMs / durationMs) * 100)) : 0;
}

/** Where the arrow keys take the focus along a lane of `count` moments (null: not an arrow key of a lane). */
export function laneStep(key: string, at: number, count: number): number | null {
  if (count === 0 || at < 0) return null;
  if (key === "ArrowRight") return Math.min(at + 1, count - 1);
  if (key === "ArrowLeft") return Math.max(at - 1, 0);
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return null;
}

/** What a lane says of itself: its name, and that it shows only the first moments when there are more. */
export function laneTitle(name: string, shown: number, total: number, cap: number): string {
  return shown >= cap && total > shown ? `${name} (first ${shown} of ${total})` : name;
}

/** The offsets of the pages of a lane's moments still to ask for, once the first page (`firstCount` of
 * them) said there are `total`: up to `cap`, `pageSize` a page; none when the first page was empty. */
export function laneOffsets(firstCount: number, total: number, pageSize: number, cap: number): number[] {
  const offsets: number[] = [];
  if (firstCount === 0 || pageSize <= 0) return offsets;
  for (let at = firstCount; at < Math.min(total, cap); at += pageSize) offsets.push(at);
  return offsets;
}

/** `items` cut into blocks of `size` (the last may be shorter), in order. */
export function inBlocks<T>(items: readonly T[], size: number): T[][] {
  const blocks: T[][] = [];
  for (let at = 0; at < items.length; at += size) blocks.push(items.slice(at, at + size));
  return blocks;
}
