// The API from the browser: openapi-fetch over the generated paths, same origin, the session cookie
// (HttpOnly: never read here). `call` turns an answer into its data or an ApiError with a sentence;
// a 401 anywhere but the session itself tells the app to show the sign-in form.
import createClient, { type Middleware } from "openapi-fetch";
import { ApiError, problemMessage, UNREACHABLE } from "./problem";
import type { paths } from "./schema";

type SignedOut = (message: string) => void;
const signedOutHandlers = new Set<SignedOut>();

/** Called when the API says the session is gone (401); returns the unsubscribe. */
export function whenSignedOut(handler: SignedOut): () => void {
  signedOutHandlers.add(handler);
  return () => signedOutHandlers.delete(handler);
}

const SESSION_PATH = "/api/v1/session";

const signOutOn401: Middleware = {
  async onResponse({ request, response }) {
    if (response.status !== 401 || new URL(request.url, location.href).pathname === SESSION_PATH) return undefined;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    const message = problemMessage(body, response.status, response.statusText);
    for (const handler of signedOutHandlers) handler(message);
    return undefined;
  },
};

export const client = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "", // absolute: a Request needs it outside a page
  credentials: "same-origin",
  headers: { Accept: "application/json" },
});
client.use(signOutOn401);

interface Answered<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of an answer, or an ApiError saying why not (0: the API could not be reached). */
export async function call<T>(request: Promise<Answered<T>>): Promise<T> {
  let answer: Answered<T>;
  try {
    answer = await request;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, UNREACHABLE);
  }
  const { data, error, response } = answer;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      problemMessage(error, response.status, response.statusText, response.headers.get("Retry-After")),
    );
  }
  return data as T;
}

/** A frame of a video, through the session cookie (an <img> sends no header). */
export function thumbnailUrl(videoId: string, tMs: number, width: number): string {
  return `/api/v1/videos/${videoId}/thumbnail?t_ms=${Math.max(0, Math.round(tMs))}&width=${width}`;
}

export const streamUrl = (videoId: string): string => `/api/v1/videos/${videoId}/stream`;
export const captionsUrl = (videoId: string): string => `/api/v1/videos/${videoId}/captions.vtt`;
