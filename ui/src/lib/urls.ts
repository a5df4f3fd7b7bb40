// The URL is the state: what each page reads from its address, and the addresses it links to.
import type { MomentType, TaskStatus, TaskType, VideoSort, VideoStatus } from "../api/types";
import { isMomentType, isTaskStatus, isTaskType } from "./analyses";
import { parseOffset } from "./paging";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A video's id as the address may carry it (any case); null when it is no id. */
export function videoIdOf(text: string | undefined): string | null {
  return text !== undefined && UUID.test(text) ? text.toLowerCase() : null;
}

export type PageName = "library" | "search" | "video" | "work" | "people" | "person" | "speakers" | "speaker";

/** Which page an address shows (null: none, the not-found page). */
export function pageOf(pathname: string): PageName | null {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === "/" || path === "/library") return "library";
  if (path === "/search") return "search";
  if (path === "/work") return "work";
  if (path === "/people") return "people";
  if (personOfPath(path)) return "person";
  if (path === "/speakers") return "speakers";
  if (speakerOfPath(path)) return "speaker";
  return videoOfPath(path) ? "video" : null;
}

/** The id of the person whose page is at `pathname` (`/people/<id>`), or null. */
export function personOfPath(pathname: string): string | null {
  return videoIdOf(/^\/people\/([^/]+)\/*$/.exec(pathname)?.[1]);
}

/** The id of the speaker whose page is at `pathname` (`/speakers/<id>`), or null. */
export function speakerOfPath(pathname: string): string | null {
  return videoIdOf(/^\/speakers\/([^/]+)\/*$/.exec(pathname)?.[1]);
}

/** The id of the video whose page is at `pathname` (`/videos/<id>`), or null. */
export function videoOfPath(pathname: string): string | null {
  return videoIdOf(/^\/videos\/([^/]+)\/*$/.exec(pathname)?.[1]);
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

/** The address of another page of the same listing: the other parameters kept, offset 0 left out. */
export function withOffset(path: string, params: URLSearchParams, offset: number): string {
  return path + queryString({ ...Object.fromEntries(params.entries()), offset: offset || null });
}

// ------------------------------------------------------------------------------------ library

const VIDEO_STATUSES = { ready: 0, invalid: 0, missing: 0 } satisfies Record<VideoStatus, number>;
const VIDEO_SORTS = { discovered_at: 0, path: 0, size: 0, duration: 0 } satisfies Record<VideoSort, number>;

function isKey<K extends string>(table: Record<K, number>, key: string): key is K {
  return Object.prototype.hasOwnProperty.call(table, key);
}

export interface LibraryState {
  status: VideoStatus | "";
  pathContains: string;
  sort: VideoSort;
  order: "asc" | "desc";
  offset: number;
}

export function parseLibraryState(params: URLSearchParams): LibraryState {
  const status = params.get("status") ?? "";
  const sort = params.get("sort") ?? "";
  return {
    status: isKey(VIDEO_STATUSES, status) ? status : "",
    pathContains: params.get("path_contains") ?? "",
    sort: isKey(VIDEO_SORTS, sort) ? sort : "discovered_at",
    order: params.get("order") === "asc" ? "asc" : "desc",
    offset: parseOffset(params.get("offset")),
  };
}

export function libraryHref(state: Omit<LibraryState, "offset">): string {
  return (
    "/" +
    queryString({
      status: state.status,
      path_contains: state.pathContains.trim(),
      sort: state.sort,
      order: state.order,
    })
  );
}

// ------------------------------------------------------------------------------------- search

export interface SearchState {
  q: string;
  types: MomentType[];
  label: string;
  lang: string; // only speech in this language (ISO 639-1); "" for any
  speaker: string; // only what this speaker said (their id); "" for anyone
  sort: "" | "relevance" | "time";
  offset: number;
}

export function parseSearchState(params: URLSearchParams): SearchState {
  const types = (params.get("types") ?? "").split(",").filter(isMomentType);
  const sort = params.get("sort");
  return {
    q: params.get("q") ?? "",
    types,
    label: params.get("label") ?? "",
    lang: params.get("lang") ?? "",
    speaker: videoIdOf(params.get("speaker") ?? undefined) ?? "",
    sort: sort === "time" || sort === "relevance" ? sort : "",
    offset: parseOffset(params.get("offset")),
  };
}

export interface SearchParams {
  q?: string;
  types?: MomentType[];
  label?: string;
  lang?: string;
  speaker?: string;
  sort?: "relevance" | "time";
}

/** The API's parameters for a search state (what `/search`, `/search/next` and `/previous` share). */
export function searchApiParams(state: SearchState): SearchParams {
  const out: SearchParams = {};
  if (state.q.trim()) out.q = state.q.trim();
  if (state.types.length) out.types = state.types;
  if (state.label.trim()) out.label = state.label.trim();
  if (state.lang.trim()) out.lang = state.lang.trim();
  if (state.speaker) out.speaker = state.speaker;
  if (state.sort) out.sort = state.sort;
  return out;
}

/** Whether a search is being made (else the page only offers the form). */
export function isSearching(state: SearchState): boolean {
  return Boolean(state.q.trim() || state.label.trim() || state.lang.trim() || state.speaker || state.types.length);
}

export function searchHref(state: SearchState): string {
  return `/search${queryString({ ...searchApiParams(state) })}`;
}

/** The player's address for a hit: the video, the time, and the query so next/previous work there. */
export function hitHref(hit: { video_id: string; start_ms: number }, state: SearchState): string {
  return `/videos/${hit.video_id}${queryString({ ...searchApiParams(state), t: (hit.start_ms / 1000).toFixed(3) })}`;
}

/** The time to start playing at, from the address's `t` in seconds; null when there is none. */
export function startMsOf(params: URLSearchParams): number | null {
  const seconds = Number.parseFloat(params.get("t") ?? "");
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
}

// ------------------------------------------------------------------------------------- people

export interface PeopleState {
  q: string;
  offset: number;
}

export function parsePeopleState(params: URLSearchParams): PeopleState {
  return { q: params.get("q") ?? "", offset: parseOffset(params.get("offset")) };
}

/** The People page filtered by a name's beginning (the first page of it). */
export function peopleHref(q: string): string {
  return `/people${queryString({ q: q.trim() })}`;
}

/** The Speakers page filtered by a name's beginning (the first page of it); its state is the People page's. */
export function speakersHref(q: string): string {
  return `/speakers${queryString({ q: q.trim() })}`;
}

// --------------------------------------------------------------------------------------- work

export interface WorkState {
  status: TaskStatus;
  taskType: TaskType | "";
  offset: number;
}

export function parseWorkState(params: URLSearchParams): WorkState {
  const status = params.get("status") ?? "";
  const taskType = params.get("task_type") ?? "";
  return {
    status: isTaskStatus(status) ? status : "FAILED",
    taskType: isTaskType(taskType) ? taskType : "",
    offset: parseOffset(params.get("offset")),
  };
}

export function workHref(status: TaskStatus, taskType: TaskType | "" = ""): string {
  return `/work${queryString({ status, task_type: taskType })}`;
}
