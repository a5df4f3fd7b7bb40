// The reads index.html's inline script asked for before the app's code ran (the library's session check,
// first page and its chips): the app's own request for the same read takes that answer instead of asking
// again, and the chips go into the cache as they arrive, so the library's first drawing has them. Each
// answer is taken once and only while young; one that failed (a 401, an error, no answer) is not taken,
// so the app asks itself and sees the answer its own way.
import { QueryObserver, type QueryClient } from "@tanstack/react-query";
import type { Middleware } from "openapi-fetch";
import { tasksOfVideosKey } from "./queries";
import type { TaskPage, VideoPage } from "./types";

/** One read of the inline script: its url, and when it was a 2xx its response and the promise of its body. */
export interface EarlyRead {
  url: string;
  response: Response | null;
  data: Promise<unknown> | null;
}

/** What the inline script leaves: `at` (performance.now()) and, by path, the one read it asked there
 * (null when the request failed). */
export interface EarlyReads {
  at: number;
  reads: Record<string, Promise<EarlyRead | null> | undefined>;
}

declare global {
  interface Window {
    __framewiseEarly?: EarlyReads;
  }
}

/** How long an early answer waits for the app (the queries' staleTime): older, the app asks anew. */
export const EARLY_MAX_AGE_MS = 10_000;
const TASKS_PATH = "/api/v1/tasks";
const VIDEOS_PATH = "/api/v1/videos";

/** The same read: the same path and the same query parameters, in any order. */
export function sameRead(a: URL, b: URL): boolean {
  if (a.pathname !== b.pathname) return false;
  const entries = (url: URL) => [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort();
  const [x, y] = [entries(a), entries(b)];
  return x.length === y.length && x.every((e, i) => e === y[i]);
}

/** The middleware that answers the app's GET from an early read of the same path and parameters (once
 * each); `done` is called when none is left to take. */
export function earlyReadsMiddleware(
  early: EarlyReads,
  done: () => void = () => undefined,
  now: () => number = () => performance.now(),
): Middleware {
  const reads = { ...early.reads };
  return {
    async onRequest({ request }) {
      if (request.method !== "GET") return undefined;
      const asked = new URL(request.url);
      const read = reads[asked.pathname];
      if (read === undefined) return undefined;
      delete reads[asked.pathname];
      if (Object.keys(reads).length === 0) done();
      if (now() - early.at > EARLY_MAX_AGE_MS) return undefined;
      const answer = await read;
      if (!answer?.response || !sameRead(asked, new URL(answer.url, asked))) return undefined;
      return answer.response;
    },
  };
}

/** The cache key of the chips of these videos: the library's own (queries.ts). */
export const chipsKey = tasksOfVideosKey;

/** Puts the early chips of the early first page into the cache, if they are for its videos and come while
 * young and before the page asked for them itself. They stay only until the page shows them (or for
 * EARLY_MAX_AGE_MS): live state, dropped as soon as nothing shows it, like the page's own. */
export async function seedEarlyChips(
  queryClient: QueryClient,
  early: EarlyReads,
  now: () => number = () => performance.now(),
): Promise<void> {
  const [videos, tasks] = await Promise.all([early.reads[VIDEOS_PATH], early.reads[TASKS_PATH]]);
  const [page, chips] = (await Promise.all([videos?.data, tasks?.data])) as [VideoPage?, TaskPage?];
  if (!page?.items.length || !chips?.items || !tasks || now() - early.at > EARLY_MAX_AGE_MS) return;
  const ids = page.items.map((v) => v.id);
  const queryKey = chipsKey(ids);
  const asked = new URL(tasks.url, location.href);
  if (asked.pathname !== TASKS_PATH || asked.searchParams.getAll("video_id").join() !== ids.join()) return;
  if (queryClient.getQueryState(queryKey)) return; // the page asked for them already: it takes the answer
  // Held by an observer of its own that asks nothing, so the chips outlive the wait for the page.
  const hold = new QueryObserver(queryClient, { queryKey, enabled: false, gcTime: 0 });
  const release = hold.subscribe(() => undefined);
  queryClient.setQueryData(queryKey, chips);
  const query = queryClient.getQueryCache().find({ queryKey, exact: true });
  const stopWatching = queryClient.getQueryCache().subscribe((event) => {
    if (event.query === query && event.type === "observerAdded" && event.observer !== hold) stop();
  });
  const timer = setTimeout(() => stop(), EARLY_MAX_AGE_MS);
  function stop() {
    clearTimeout(timer);
    stopWatching();
    release();
  }
}

/** How long the app's first drawing waits for the early chips, at most: drawn with its cards (one drawing,
 * not a second one for the chips) when they come within it. */
export const EARLY_CHIPS_WAIT_MS = 200;

/** Lets the app take the answers of the inline script's reads, if it asked any (once: the script's object
 * is taken from the page): `client`'s requests for the same reads, and the chips into `queryClient`.
 * `settled`: once the chips are in the cache or will not be (or after `waitMs`), at once when nothing was
 * asked early; `stop` ends the requests' part before every answer is taken. */
export function takeEarlyReads(
  client: { use: (...m: Middleware[]) => void; eject: (...m: Middleware[]) => void },
  queryClient: QueryClient,
  waitMs: number = EARLY_CHIPS_WAIT_MS,
): { settled: Promise<void>; stop: () => void } {
  const early = globalThis.window?.__framewiseEarly;
  if (!early) return { settled: Promise.resolve(), stop: () => undefined };
  delete window.__framewiseEarly;
  const middleware: Middleware = earlyReadsMiddleware(early, () => client.eject(middleware));
  client.use(middleware);
  const seeded = seedEarlyChips(queryClient, early).catch(() => undefined); // else the page asks itself
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  const settled = Promise.race([seeded, waited]).then(() => clearTimeout(timer));
  return { settled, stop: () => client.eject(middleware) };
}
