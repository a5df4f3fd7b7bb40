// The API, from the browser: same origin, the session cookie (HttpOnly: never read here), JSON,
// and every failure turned into a sentence.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Video {
  id: string;
  root: string;
  path: string;
  size: number;
  status: "ready" | "invalid";
  error: string | null;
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  has_audio: boolean | null;
  discovered_at: string;
}

export interface Task {
  id: string;
  video_id: string;
  task_type: string;
  status: "PENDING" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED";
  attempt: number;
  progress: number;
  eta_s: number | null;
  error: string | null;
  error_kind: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  running_time_ms: number | null;
}

export interface Hit {
  video_id: string;
  video_path: string;
  type: string;
  start_ms: number;
  end_ms: number;
  text: string;
  snippet: string;
  score: number;
  confidence: number | null;
  run_id: string;
  thumbnail_url: string;
  stream_url: string;
}

export interface Jump {
  hit: Hit | null;
  wrapped: boolean;
}

export interface Artifact {
  id: string;
  video_id: string;
  task_id: string;
  artifact_type: string;
  span_start_ms: number;
  span_end_ms: number;
  payload: Record<string, unknown>;
  provenance: Record<string, unknown>;
}

export interface Label {
  type: string;
  label: string;
  moments: number;
  videos: number;
}

/** Called when the API says the session is gone (401): the app shows the sign-in form. */
let onSignedOut: (message: string) => void = () => undefined;
export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

async function problemMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { title?: string; detail?: unknown; errors?: { msg?: string }[] };
    const detail = typeof body.detail === "string" ? body.detail : "";
    const first = body.errors?.[0]?.msg;
    const wait = response.status === 429 ? response.headers.get("Retry-After") : null;
    const message = [body.title ?? `Error ${response.status}`, detail || first].filter(Boolean).join(": ");
    return wait ? `${message} (in ${wait} s)` : message;
  } catch {
    return `The API answered ${response.status} ${response.statusText}`.trim();
  }
}

export async function request<T>(path: string, init: RequestInit = {}, signOutOn401 = true): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: "same-origin",
      ...init,
      headers: { Accept: "application/json", ...(init.body ? { "Content-Type": "application/json" } : {}) },
    });
  } catch {
    throw new ApiError(0, "The API cannot be reached: is Framewise running?");
  }
  if (!response.ok) {
    const message = await problemMessage(response);
    if (response.status === 401 && signOutOn401) onSignedOut(message);
    throw new ApiError(response.status, message);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string): Promise<T> => request<T>(path);
export const post = <T>(path: string, body?: unknown): Promise<T> =>
  request<T>(path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });

export const session = {
  current: () => request<{ token_id: string; expires_at: string | null }>("/api/v1/session", {}, false),
  signIn: (token: string) =>
    request<{ token_id: string; expires_at: string }>(
      "/api/v1/session",
      { method: "POST", body: JSON.stringify({ token }) },
      false,
    ),
  signOut: () => request<void>("/api/v1/session", { method: "DELETE" }, false),
};

export function thumbnailUrl(videoId: string, tMs: number, width: number): string {
  return `/api/v1/videos/${videoId}/thumbnail?t_ms=${Math.max(0, Math.round(tMs))}&width=${width}`;
}
