// @vitest-environment jsdom
import { QueryClient } from "@tanstack/react-query";
import type { Middleware } from "openapi-fetch";
import { describe, expect, it, vi } from "vitest";
import { client } from "./client";
import { prefetchPage } from "./prefetch";

const VIDEO = "0f8fad5b-d9cb-469f-a165-70867728950e";

/** What prefetchPage asks the API for at `address` (the paths and queries, in order); each request is
 * answered 401 by a middleware, before anything is sent. */
async function asked(address: string): Promise<string[]> {
  const urls: string[] = [];
  const answer: Middleware = {
    onRequest({ request }) {
      const url = new URL(request.url);
      urls.push(decodeURIComponent(url.pathname + url.search));
      return new Response("{}", { status: 401 });
    },
  };
  client.use(answer);
  try {
    const [pathname = "/", search = ""] = address.split(/(?=\?)/);
    const queryClient = new QueryClient();
    prefetchPage(queryClient, pathname, search);
    await vi.waitFor(() => expect(queryClient.isFetching()).toBe(0));
  } finally {
    client.eject(answer);
  }
  return urls;
}

describe("prefetching a page as the app starts", () => {
  it("asks for the library's page of videos, with the filters of the address, beside the session", async () => {
    expect(await asked("/?status=missing&offset=24")).toEqual([
      "/api/v1/session",
      "/api/v1/videos?status=missing&sort=discovered_at&order=desc&limit=24&offset=24",
    ]);
  });

  it("asks for a video and every lane of it", async () => {
    const urls = await asked(`/videos/${VIDEO.toUpperCase()}?t=12`);
    expect(urls.slice(0, 2)).toEqual(["/api/v1/session", `/api/v1/videos/${VIDEO}`]);
    const lanes = urls.slice(2).map((u) => new URLSearchParams(u.split("?")[1]));
    expect(lanes.map((q) => q.get("types")).sort()).toEqual([
      "face",
      "object",
      "ocr",
      "person",
      "place",
      "scene",
      "transcript",
    ]);
    for (const q of lanes) {
      expect([q.get("video_id"), q.get("sort"), q.get("limit"), q.get("offset")]).toEqual([VIDEO, "time", "100", "0"]);
    }
  });

  it("asks for a page of people, or a person, with what the address says", async () => {
    expect(await asked("/people?q=ada&offset=48")).toEqual([
      "/api/v1/session",
      "/api/v1/persons?q=ada&limit=48&offset=48",
    ]);
    expect(await asked(`/people/${VIDEO}`)).toEqual(["/api/v1/session", `/api/v1/persons/${VIDEO}`]);
  });

  it("asks only for the session elsewhere", async () => {
    expect(await asked("/work?status=FAILED")).toEqual(["/api/v1/session"]);
    expect(await asked("/videos/not-an-id")).toEqual(["/api/v1/session"]);
  });
});
