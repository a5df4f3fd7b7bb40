// The UI's own logic, free of the DOM and of fetch: formatting, routes, URL state, timeline layout,
// what is on screen at a time. Unit-tested with Vitest (logic.test.ts).

export type TaskType =
  | "scene_detection"
  | "transcription"
  | "ocr"
  | "object_detection"
  | "face_detection"
  | "place_detection";
export type MomentType = "scene" | "transcript" | "ocr" | "object" | "face" | "place";
export type TaskStatus = "PENDING" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED";

export interface Analysis {
  task: TaskType;
  moment: MomentType;
  name: string;
}

/** The six analyses, in the order of the timeline's lanes. */
export const ANALYSES: readonly Analysis[] = [
  { task: "scene_detection", moment: "scene", name: "Scenes" },
  { task: "transcription", moment: "transcript", name: "Transcript" },
  { task: "ocr", moment: "ocr", name: "On-screen text" },
  { task: "object_detection", moment: "object", name: "Objects" },
  { task: "face_detection", moment: "face", name: "Faces" },
  { task: "place_detection", moment: "place", name: "Places" },
];

export const STATUSES: readonly TaskStatus[] = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"];

export function analysisOfTask(task: string): Analysis | undefined {
  return ANALYSES.find((a) => a.task === task);
}

export function analysisOfMoment(moment: string): Analysis | undefined {
  return ANALYSES.find((a) => a.moment === moment);
}

/** 14000 -> "0:14", 3723000 -> "1:02:03"; unknown -> "–". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "–";
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A time inside a video with tenths: 4250 -> "0:04.2". */
export function formatTime(ms: number): string {
  const tenths = Math.floor((Math.max(0, ms) % 1000) / 100);
  return `${formatDuration(ms)}.${tenths}`;
}

/**
 * A file name or path as it may be shown: the API keeps the true name, which may hold control
 * characters (a newline, an escape) or bidi controls that would reorder what follows (U+202E turns
 * "clip\u202Egpj.mp4" into "clip4pm.jpg"). C0 controls and DEL become their Unicode control
 * pictures (U+240A for a newline), C1 controls, bidi and invisible format characters a visible
 * "<U+202E>", so what is shown is what is there.
 */
export function visibleText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}

/** The file's name from its path under the root, shown visibly (see visibleText). */
export function fileName(path: string): string {
  const parts = path.split("/");
  return visibleText(parts[parts.length - 1] || path);
}

/** What the work page asks before acting on every task of a status (and an analysis). */
export function bulkConfirmation(action: "retry" | "cancel", total: number, status: string, analysis?: string): string {
  const what = `${total} ${status.toLowerCase()}${analysis ? ` ${analysis}` : ""} task${total === 1 ? "" : "s"}`;
  return action === "retry"
    ? `Retry all ${what}? Each is queued again as a new attempt.`
    : `Cancel all ${what}? Running ones are stopped.`;
}

export interface TaskLike {
  task_type: string;
  status: TaskStatus;
  progress: number;
  error?: string | null;
}

/** What a status chip says: "Transcript: running 45%". */
export function chipText(task: TaskLike): string {
  const name = analysisOfTask(task.task_type)?.name ?? task.task_type;
  const state = task.status.toLowerCase();
  if (task.status === "RUNNING") return `${name}: ${state} ${Math.round(task.progress * 100)}%`;
  return `${name}: ${state}`;
}

/** Whether a list of tasks still changes (so the page keeps polling). */
export function anyActive(tasks: readonly TaskLike[]): boolean {
  return tasks.some((t) => t.status === "PENDING" || t.status === "RUNNING");
}

/** The query of one listing of all the tasks of these videos, oldest first (`video_id` repeated). */
export function tasksOfVideos(videoIds: readonly string[]): string {
  const params = new URLSearchParams(videoIds.map((id) => ["video_id", id]));
  params.set("order", "asc");
  params.set("limit", String(Math.min(500, Math.max(1, videoIds.length * 6 * 2))));
  return params.toString();
}

/** Tasks by their video, in the order listed. */
export function groupByVideo<T extends TaskLike & { video_id: string }>(tasks: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const task of tasks) {
    const own = out.get(task.video_id);
    if (own) own.push(task);
    else out.set(task.video_id, [task]);
  }
  return out;
}

/** Tasks in lane order, one per analysis: the last listed wins (a video's tasks come oldest first). */
export function tasksInLaneOrder<T extends TaskLike>(tasks: readonly T[]): T[] {
  const out: T[] = [];
  for (const a of ANALYSES) {
    const found = tasks.filter((t) => t.task_type === a.task);
    if (found.length) out.push(found[found.length - 1]);
  }
  return out;
}

export interface PageInfo {
  text: string;
  previousOffset: number | null;
  nextOffset: number | null;
}

/** "1–50 of 120" and where the previous and next pages start (null at the ends). */
export function pageInfo(total: number, limit: number, offset: number, shown: number): PageInfo {
  const text = total === 0 ? "nothing found" : `${offset + 1}–${offset + shown} of ${total}`;
  return {
    text,
    previousOffset: offset > 0 ? Math.max(0, offset - limit) : null,
    nextOffset: offset + shown < total ? offset + limit : null,
  };
}

// ------------------------------------------------------------------------------------ routes

export type Route =
  | { page: "library"; params: URLSearchParams }
  | { page: "video"; id: string; params: URLSearchParams }
  | { page: "search"; params: URLSearchParams }
  | { page: "work"; params: URLSearchParams }
  | { page: "missing"; path: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === "/" || path === "/library") return { page: "library", params };
  if (path === "/search") return { page: "search", params };
  if (path === "/work") return { page: "work", params };
  const video = /^\/videos\/([^/]+)$/.exec(path);
  if (video && UUID.test(video[1])) return { page: "video", id: video[1].toLowerCase(), params };
  return { page: "missing", path: pathname };
}

/** A query string from values, leaving out empty ones (so URLs stay short and shareable). */
export function queryString(values: Record<string, string | number | readonly string[] | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(","));
    } else {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface SearchState {
  q: string;
  types: MomentType[];
  label: string;
  sort: "" | "relevance" | "time";
  offset: number;
}

export function parseSearchState(params: URLSearchParams): SearchState {
  const types = (params.get("types") ?? "")
    .split(",")
    .filter((t): t is MomentType => analysisOfMoment(t) !== undefined);
  const offset = Number.parseInt(params.get("offset") ?? "0", 10);
  return {
    q: params.get("q") ?? "",
    types,
    label: params.get("label") ?? "",
    sort: params.get("sort") === "time" ? "time" : params.get("sort") === "relevance" ? "relevance" : "",
    offset: Number.isFinite(offset) && offset > 0 ? offset : 0,
  };
}

/** The API's parameters for a search state (what `/search`, `/search/next` and `/previous` share). */
export function searchApiParams(state: SearchState): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if (state.q.trim()) out.q = state.q.trim();
  if (state.types.length) out.types = state.types;
  if (state.label.trim()) out.label = state.label.trim();
  if (state.sort) out.sort = state.sort;
  return out;
}

/** The player's address for a hit: the video, the time, and the query so next/previous work there. */
export function hitHref(hit: { video_id: string; start_ms: number }, state: SearchState): string {
  return `/videos/${hit.video_id}${queryString({ ...searchApiParams(state), t: (hit.start_ms / 1000).toFixed(3) })}`;
}

export type Shortcut = "next" | "previous" | "search" | null;

/** Keyboard shortcuts outside text fields: n / j next, p / k previous, / to the search field. */
export function shortcutOf(key: string, inTextField: boolean, modified: boolean): Shortcut {
  if (inTextField || modified) return null;
  if (key === "n" || key === "j") return "next";
  if (key === "p" || key === "k") return "previous";
  if (key === "/") return "search";
  return null;
}

// --------------------------------------------------------------------------------- snippets

export interface SnippetPart {
  text: string;
  mark: boolean;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'", "#39": "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (_, name: string) => ENTITIES[name]);
}

/** The API's snippet (HTML-escaped, the match in <mark>) as text parts: shown without innerHTML. */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const re = /<mark>([\s\S]*?)<\/mark>/g;
  let last = 0;
  for (let m = re.exec(snippet); m !== null; m = re.exec(snippet)) {
    if (m.index > last) parts.push({ text: unescapeHtml(snippet.slice(last, m.index)), mark: false });
    parts.push({ text: unescapeHtml(m[1]), mark: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: unescapeHtml(snippet.slice(last)), mark: false });
  return parts;
}

// --------------------------------------------------------------------------------- timeline

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
    if (spans[mid].start_ms <= tMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found >= 0 && tMs < Math.max(spans[found].end_ms, spans[found].start_ms + 1)) return found;
  return -1;
}

// ------------------------------------------------------------------------------------ boxes

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface FrameItem {
  artifact_type: string;
  span_start_ms: number;
  payload: Record<string, unknown>;
}

/** The box of an object or face (`bbox`) or of read text (its polygon's bounds); null otherwise. */
export function boxOf(payload: Record<string, unknown>): Box | null {
  const bbox = payload.bbox as Box | undefined;
  if (bbox && typeof bbox.x1 === "number") return bbox;
  const polygon = payload.polygon as { x: number; y: number }[] | undefined;
  if (Array.isArray(polygon) && polygon.length > 0) {
    const xs = polygon.map((p) => p.x);
    const ys = polygon.map((p) => p.y);
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
  const p = item.payload;
  if (typeof p.label === "string") return p.label;
  if (typeof p.text === "string") return p.text;
  return item.artifact_type === "face" ? "face" : item.artifact_type;
}

/** The window of artifacts to hold around `tMs`: aligned blocks, so seeking nearby re-uses them. */
export function windowAround(tMs: number, blockMs = 10_000): Span {
  const start = Math.floor(Math.max(0, tMs) / blockMs) * blockMs;
  return { start_ms: start, end_ms: start + blockMs };
}
