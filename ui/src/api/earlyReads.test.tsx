// @vitest-environment jsdom
import { type QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, renderHook, waitFor } from "@testing-library/react";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runInThisContext } from "node:vm";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseLibraryState } from "../lib/urls";
import { fakeApi, testQueryClient } from "../testing";
import { client } from "./client";
import {
  chipsKey,
  EARLY_MAX_AGE_MS,
  type EarlyReads,
  earlyReadsMiddleware,
  sameRead,
  seedEarlyChips,
  takeEarlyReads,
} from "./earlyReads";
import { sessionQuery, useTasksOfVideos, videosQuery } from "./queries";

const IDS = ["0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"];
const SESSION = { token_id: "t", session_id: "s".repeat(32), expires_at: "2030-01-01T00:00:00Z" };
const PAGE = { items: IDS.map((id) => ({ id })), total: 2, limit: 24, offset: 0 };
const TASKS = { items: [{ id: "t1", video_id: IDS[0], status: "COMPLETED" }], total: 1, limit: 24, offset: 0 };

/** index.html's inline script, as built. */
const INLINE = /<script>([\s\S]*?)<\/script>/.exec(readFileSync(resolve(__dirname, "../../index.html"), "utf8"));

type Answer = { status: number; body: unknown } | "unreachable";

/** Runs index.html's inline script at `address` with `answer` as the network (and the page served with a
 * session cookie unless `session` is false); the URLs it asked for. */
function runInlineScript(address: string, answer: (path: string) => Answer, session = true): string[] {
  window.history.replaceState(null, "", address);
  document.documentElement.toggleAttribute("data-session", session); // the page came with a session cookie
  const asked: string[] = [];
  vi.stubGlobal("fetch", (url: string) => {
    asked.push(url);
    const answered = answer(new URL(url, location.href).pathname);
    if (answered === "unreachable") return Promise.reject(new TypeError("Failed to fetch"));
    return Promise.resolve(
      new Response(JSON.stringify(answered.body), {
        status: answered.status,
        headers: { "Content-Type": "application/json" },
      }),
    );
  });
  runInThisContext(INLINE?.[1] ?? "throw new Error('index.html has no inline script')");
  return asked;
}

/** The library's first reads, the app's way: the session, the default first page, then its chips. */
async function libraryReads(queryClient: QueryClient) {
  const session = await queryClient.fetchQuery(sessionQuery);
  const page = await queryClient.fetchQuery(videosQuery(parseLibraryState(new URLSearchParams())));
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  );
  const chips = renderHook(() => useTasksOfVideos(page.items.map((v) => v.id)), { wrapper });
  await waitFor(() => expect(chips.result.current.isSuccess).toBe(true));
  return { session, page, tasks: chips.result.current.data };
}

let stop = () => {};
afterEach(() => {
  stop();
  cleanup();
  vi.unstubAllGlobals();
  delete window.__framewiseEarly;
  window.history.replaceState(null, "", "/");
  document.documentElement.removeAttribute("data-session");
});

describe("the library's reads asked for by index.html", () => {
  it("are the ones the app asks for: it takes each answer and asks nothing itself", async () => {
    const early = runInlineScript("/", (path) =>
      path === "/api/v1/session"
        ? { status: 200, body: SESSION }
        : { status: 200, body: path === "/api/v1/videos" ? PAGE : TASKS },
    );
    const queryClient = testQueryClient();
    stop = takeEarlyReads(client, queryClient).stop;
    const api = fakeApi(() => ({ status: 500, body: { title: "the app asked itself" } }));
    try {
      const read = await libraryReads(queryClient);
      expect(read).toEqual({ session: SESSION, page: PAGE, tasks: TASKS });
      expect(api.asked).toEqual([]);
      expect(early.map((url) => new URL(url, location.href).pathname)).toEqual([
        "/api/v1/session",
        "/api/v1/videos",
        "/api/v1/tasks",
      ]);
      expect(new URL(early[2] ?? "", location.href).searchParams.getAll("video_id")).toEqual(IDS);
      expect(window.__framewiseEarly).toBeUndefined(); // taken once
    } finally {
      api.stop();
    }
  });

  it("at /library too, and at no other address, nor with filters, nor without a session cookie", () => {
    expect(runInlineScript("/library", () => ({ status: 200, body: SESSION }))).toHaveLength(2);
    delete window.__framewiseEarly;
    expect(runInlineScript("/", () => ({ status: 200, body: PAGE }), false)).toEqual([]);
    expect(window.__framewiseEarly).toBeUndefined();
    for (const address of ["/work", "/search?q=a", "/?status=ready", "/videos/" + IDS[0]]) {
      expect(runInlineScript(address, () => ({ status: 200, body: PAGE }))).toEqual([]);
      expect(window.__framewiseEarly).toBeUndefined();
    }
  });

  it("that failed are asked again by the app, which sees the answer its own way", async () => {
    // The session cookie is gone: the session and the page are 401 (the script asks no chips); the app's own
    // session check answers, here, as after a sign-in meanwhile.
    runInlineScript("/", () => ({ status: 401, body: { title: "Unauthorized" } }));
    const queryClient = testQueryClient();
    stop = takeEarlyReads(client, queryClient).stop;
    const api = fakeApi(({ path }) => ({
      status: 200,
      body: path === "/api/v1/session" ? SESSION : path === "/api/v1/videos" ? PAGE : TASKS,
    }));
    try {
      expect(await libraryReads(queryClient)).toEqual({ session: SESSION, page: PAGE, tasks: TASKS });
      expect(api.asked.map((a) => a.path)).toEqual(["/api/v1/session", "/api/v1/videos", "/api/v1/tasks"]);
    } finally {
      api.stop();
    }
  });

  it("a read that could not reach the API, or failed, is asked again; the others are taken", async () => {
    runInlineScript("/", (path) =>
      path === "/api/v1/videos"
        ? { status: 200, body: PAGE }
        : path === "/api/v1/tasks"
          ? "unreachable"
          : { status: 503, body: { title: "Service Unavailable" } },
    );
    const queryClient = testQueryClient();
    stop = takeEarlyReads(client, queryClient).stop;
    const api = fakeApi(({ path }) => ({ status: 200, body: path === "/api/v1/session" ? SESSION : TASKS }));
    try {
      expect(await libraryReads(queryClient)).toEqual({ session: SESSION, page: PAGE, tasks: TASKS });
      expect(api.asked.map((a) => a.path)).toEqual(["/api/v1/session", "/api/v1/tasks"]);
    } finally {
      api.stop();
    }
  });
});

describe("the early chips", () => {
  const wrapper =
    (queryClient: QueryClient) =>
    ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    );
  const read = (url: string, body: unknown) =>
    Promise.resolve({ url, response: new Response(JSON.stringify(body)), data: Promise.resolve(body) });
  const tasksUrl = (ids: string[]) => `/api/v1/tasks?${ids.map((id) => `video_id=${id}`).join("&")}&order=asc&limit=24`;
  const early = (ids: string[]): EarlyReads => ({
    at: 0,
    reads: { "/api/v1/videos": read("/api/v1/videos?limit=24", PAGE), "/api/v1/tasks": read(tasksUrl(ids), TASKS) },
  });

  it("are in the cache before the page asks: its first drawing has them, it asks nothing, and drops them after", async () => {
    const api = fakeApi(() => ({ status: 500 }));
    try {
      const queryClient = testQueryClient();
      await seedEarlyChips(queryClient, early(IDS), () => 1);
      const chips = renderHook(() => useTasksOfVideos(IDS), { wrapper: wrapper(queryClient) });
      expect(chips.result.current.data).toEqual(TASKS); // the key is the page's own
      expect(api.asked).toEqual([]);
      chips.unmount();
      await waitFor(() => expect(queryClient.getQueryState(chipsKey(IDS))).toBeUndefined()); // live: not kept
    } finally {
      api.stop();
    }
  });

  it("nobody shows are dropped once they are old", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const queryClient = testQueryClient();
      await seedEarlyChips(queryClient, early(IDS), () => 1);
      expect(queryClient.getQueryData(chipsKey(IDS))).toEqual(TASKS);
      vi.advanceTimersByTime(EARLY_MAX_AGE_MS - 1);
      expect(queryClient.getQueryData(chipsKey(IDS))).toEqual(TASKS); // held for the page meanwhile
      vi.advanceTimersByTime(2);
      expect(queryClient.getQueryState(chipsKey(IDS))).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("are not seeded for other videos, when old, or when the page already asked for them", async () => {
    const queryClient = testQueryClient();
    await seedEarlyChips(queryClient, early([IDS[1] ?? "", IDS[0] ?? ""]), () => 1);
    await seedEarlyChips(queryClient, early(IDS), () => EARLY_MAX_AGE_MS + 1);
    expect(queryClient.getQueryCache().getAll()).toEqual([]);
    const asked = { items: [], total: 0, limit: 24, offset: 0 };
    queryClient.setQueryData(chipsKey(IDS), asked);
    await seedEarlyChips(queryClient, early(IDS), () => 1);
    expect(queryClient.getQueryData(chipsKey(IDS))).toBe(asked);
  });
});

describe("the app's first drawing", () => {
  it("waits for the early chips, at most a while, and not at all when nothing was asked early", async () => {
    const queryClient = testQueryClient();
    await takeEarlyReads(client, queryClient).settled; // no inline script ran: nothing to wait for
    runInlineScript("/", (path) =>
      path === "/api/v1/videos" ? { status: 200, body: PAGE } : { status: 200, body: TASKS },
    );
    const taken = takeEarlyReads(client, queryClient, 60_000);
    stop = taken.stop;
    await taken.settled;
    expect(queryClient.getQueryData(chipsKey(IDS))).toEqual(TASKS); // in the cache for the first drawing

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const unanswered = new Promise<null>(() => undefined); // the API does not answer
      window.__framewiseEarly = { at: 0, reads: { "/api/v1/videos": unanswered, "/api/v1/tasks": unanswered } };
      let settled = false;
      const waiting = takeEarlyReads(client, testQueryClient(), 200);
      void waiting.settled.then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(199);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true);
      waiting.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("an early answer", () => {
  const answered = (url: string) => Promise.resolve({ url, response: new Response("{}"), data: Promise.resolve({}) });
  const request = (url: string, method = "GET") => new Request(new URL(url, "http://localhost"), { method });
  const ask = (m: ReturnType<typeof earlyReadsMiddleware>, r: Request) =>
    m.onRequest?.({ request: r, schemaPath: "", params: {}, options: {} as never, id: "1" });

  it("answers only a GET of the same path and parameters, once, and says when none is left", async () => {
    let done = 0;
    const early: EarlyReads = { at: 0, reads: { "/api/v1/videos": answered("/api/v1/videos?a=1&b=2") } };
    const middleware = earlyReadsMiddleware(
      early,
      () => (done += 1),
      () => 5,
    );
    expect(await ask(middleware, request("/api/v1/session"))).toBeUndefined();
    expect(await ask(middleware, request("/api/v1/videos?b=2&a=1", "POST"))).toBeUndefined();
    expect(await ask(middleware, request("/api/v1/videos?b=2&a=1"))).toBeInstanceOf(Response);
    expect(done).toBe(1);
    expect(await ask(middleware, request("/api/v1/videos?b=2&a=1"))).toBeUndefined(); // taken once
  });

  it("for other parameters, or older than its age, is not taken", async () => {
    const other = earlyReadsMiddleware({ at: 0, reads: { "/api/v1/videos": answered("/api/v1/videos?a=1") } });
    expect(await ask(other, request("/api/v1/videos?a=2"))).toBeUndefined();
    const old = earlyReadsMiddleware(
      { at: 0, reads: { "/api/v1/videos": answered("/api/v1/videos?a=1") } },
      undefined,
      () => EARLY_MAX_AGE_MS + 1,
    );
    expect(await ask(old, request("/api/v1/videos?a=1"))).toBeUndefined();
  });

  it("is for the same read whatever the parameters' order, but not for another count or value", () => {
    const url = (s: string) => new URL(s, "http://localhost");
    expect(sameRead(url("/t?v=1&v=2&o=asc"), url("/t?o=asc&v=2&v=1"))).toBe(true);
    expect(sameRead(url("/t?v=1&v=2"), url("/t?v=1"))).toBe(false);
    expect(sameRead(url("/t?v=1&v=1"), url("/t?v=1&v=2"))).toBe(false);
    expect(sameRead(url("/t?v=1"), url("/u?v=1"))).toBe(false);
  });
});
