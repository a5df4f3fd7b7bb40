// For component tests: the app's real providers (a QueryClient of the test's own, a router at an address).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import type { Middleware } from "openapi-fetch";
import { MemoryRouter } from "react-router";
import { client } from "./api/client";
import { laneMomentsQuery } from "./api/queries";
import type { Hit } from "./api/types";

export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
}

export function renderWith(ui: ReactElement, { at = "/", queryClient = testQueryClient() } = {}): RenderResult {
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[at]}>{ui}</MemoryRouter>
    </QueryClientProvider>,
  );
}

export function hit(fields: Partial<Hit> & Pick<Hit, "start_ms" | "end_ms" | "text">): Hit {
  return {
    video_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    video_path: "clips/sample.mp4",
    type: "object",
    snippet: fields.text,
    score: 1,
    confidence: 0.9,
    run_id: "run-1",
    thumbnail_url: "/thumb.jpg",
    stream_url: "/stream#t=0",
    ...fields,
  };
}

/** A lane's moments as if fetched. */
export function seedMoments(queryClient: QueryClient, videoId: string, moment: Hit["type"], items: Hit[]): void {
  queryClient.setQueryData(laneMomentsQuery(videoId, moment).queryKey, { items, total: items.length });
}

export interface Asked {
  method: string;
  path: string;
  query: string;
  body: unknown;
}

/** Answers the API client's requests with `answer` (before anything is sent) and records them; call the
 * returned `stop` after the test. */
export function fakeApi(answer: (asked: Asked) => { status: number; body?: unknown }): {
  asked: Asked[];
  stop: () => void;
} {
  const asked: Asked[] = [];
  const middleware: Middleware = {
    async onRequest({ request }) {
      const url = new URL(request.url);
      const text = request.body ? await request.clone().text() : "";
      const sent: unknown = text ? JSON.parse(text) : null;
      const one = { method: request.method, path: url.pathname, query: url.search, body: sent };
      asked.push(one);
      const { status, body } = answer(one);
      return new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
      });
    },
  };
  client.use(middleware);
  return { asked, stop: () => client.eject(middleware) };
}
