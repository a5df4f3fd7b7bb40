// For component tests: the app's real providers (a QueryClient of the test's own, a router at an address).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
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
