// What the video page says of a moment or a boxed item, and of its provenance.
import type { Artifact } from "../api/types";
import { formatTime } from "./format";
import type { Span } from "./timeline";

/** What is selected on the video page: a moment of a lane or the transcript, or a boxed item. */
export interface Selected {
  what: string;
  span: Span;
  /** The run that made a moment: its stored item (and provenance) is looked up by it. */
  runId?: string;
  /** A boxed item is itself the stored item. */
  artifact?: Artifact;
}

/** A moment's name on its lane: "Objects: cat at 0:06.0". */
export function momentLabel(laneName: string, moment: { text: string; start_ms: number }): string {
  return `${laneName}: ${moment.text} at ${formatTime(moment.start_ms)}`;
}

/** "Objects: cat at 0:06.0, 0:06.0–0:08.0". */
export function selectedText(selected: Selected): string {
  return `${selected.what}, ${formatTime(selected.span.start_ms)}–${formatTime(selected.span.end_ms)}`;
}

/** Provenance as rows to show: each value as text (objects as JSON). */
export function provenanceRows(provenance: object): [string, string][] {
  return Object.entries(provenance).map(([key, value]) => [
    key,
    typeof value === "object" && value !== null ? JSON.stringify(value) : String(value),
  ]);
}

/** Why the browser could not play the video, from its MediaError code. */
export function playbackFailure(code: number | undefined): string {
  const why =
    code === 4 // MEDIA_ERR_SRC_NOT_SUPPORTED
      ? "the file could not be streamed or this browser cannot decode it"
      : code === 2 // MEDIA_ERR_NETWORK
        ? "the stream was interrupted"
        : "the browser could not play it";
  return `The video cannot be played: ${why}.`;
}

/** A transcript's segments in time order (the lane lists them so; a copy, sorted to be sure). */
export function inTimeOrder<T extends Span>(spans: readonly T[]): T[] {
  return spans.slice().sort((a, b) => a.start_ms - b.start_ms);
}

/** Where a jump to the next or previous hit steps from: the hit being shown, even if the player reads a
 * frame before its start after seeking; the playing time once played past it (or before it, going back). */
export function jumpFrom(direction: "next" | "previous", nowMs: number, hitMs: number | null): number {
  if (hitMs === null) return nowMs;
  return direction === "next" ? Math.max(nowMs, hitMs) : Math.min(nowMs, hitMs);
}
