// Boxes of objects, faces and read text over the picture: which items show at a time, and where.
import type { Artifact } from "../api/types";
import type { Placed, Span } from "./timeline";

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface FrameItem {
  artifact_type: string;
  span_start_ms: number;
  payload: object;
}

/** The box of an object or face (`bbox`) or of read text (its polygon's bounds); null otherwise. */
export function boxOf(payload: object): Box | null {
  const p = payload as { bbox?: Box; polygon?: { x: number; y: number }[] };
  if (p.bbox && typeof p.bbox.x1 === "number") return p.bbox;
  if (Array.isArray(p.polygon) && p.polygon.length > 0) {
    const xs = p.polygon.map((q) => q.x);
    const ys = p.polygon.map((q) => q.y);
    return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
  }
  return null;
}

/** The box as percentages of the frame, for an overlay laid exactly over the picture. */
export function boxPercent(box: Box, width: number, height: number): Placed & { topPct: number; heightPct: number } {
  return {
    leftPct: (box.x1 / width) * 100,
    topPct: (box.y1 / height) * 100,
    widthPct: ((box.x2 - box.x1) / width) * 100,
    heightPct: ((box.y2 - box.y1) / height) * 100,
  };
}

/** The boxed items on screen at `tMs`: per analysis, the sampled frame nearest `tMs` (at most
 * `toleranceMs` away), so boxes neither flicker between samples nor linger past them. */
export function itemsAt<T extends FrameItem>(items: readonly T[], tMs: number, toleranceMs: number): T[] {
  const nearest = new Map<string, number>();
  for (const item of items) {
    if (boxOf(item.payload) === null) continue;
    const d = Math.abs(item.span_start_ms - tMs);
    if (d > toleranceMs) continue;
    const best = nearest.get(item.artifact_type);
    if (best === undefined || d < Math.abs(best - tMs)) nearest.set(item.artifact_type, item.span_start_ms);
  }
  return items.filter((i) => nearest.get(i.artifact_type) === i.span_start_ms && boxOf(i.payload) !== null);
}

/** What a boxed item is called: its label or text, else the kind. */
export function itemLabel(item: FrameItem): string {
  const p = item.payload as { label?: unknown; text?: unknown };
  if (typeof p.label === "string") return p.label;
  if (typeof p.text === "string") return p.text;
  return item.artifact_type;
}

/** The kind of a boxed item in words: "Object", "Face", "Text". */
export function itemKind(artifactType: string): string {
  return artifactType === "ocr_text" ? "Text" : artifactType === "face" ? "Face" : "Object";
}

/** The window of artifacts to hold around `tMs`: aligned blocks, so seeking nearby re-uses them. */
export function windowAround(tMs: number, blockMs = 10_000): Span {
  const start = Math.floor(Math.max(0, tMs) / blockMs) * blockMs;
  return { start_ms: start, end_ms: start + blockMs };
}

/** The artifact types that carry a box. */
export const BOXED_TYPES = ["object", "face", "ocr_text"] as const satisfies readonly Artifact["artifact_type"][];
