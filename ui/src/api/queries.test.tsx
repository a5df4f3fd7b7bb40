// @vitest-environment jsdom
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { parseLibraryState } from "../lib/urls";
import { fakeApi, testQueryClient } from "../testing";
import { useTasksOfVideos, videosQuery } from "./queries";

afterEach(cleanup);

const IDS = ["0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"];

describe("the library's reads", () => {
  it("asks for a page's chips as its videos arrive, and the chips take that answer", async () => {
    const api = fakeApi(({ path }) =>
      path === "/api/v1/videos"
        ? { status: 200, body: { items: IDS.map((id) => ({ id })), total: 2, limit: 24, offset: 0 } }
        : { status: 200, body: { items: [{ id: "t1", video_id: IDS[0] }], total: 1, limit: 24, offset: 0 } },
    );
    try {
      const queryClient = testQueryClient();
      await queryClient.fetchQuery(videosQuery(parseLibraryState(new URLSearchParams())));
      await waitFor(() => expect(api.asked.map((a) => a.path)).toEqual(["/api/v1/videos", "/api/v1/tasks"]));
      const wrapper = ({ children }: { children: ReactNode }) => (
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      );
      const chips = renderHook(() => useTasksOfVideos(IDS), { wrapper });
      await waitFor(() => expect(chips.result.current.data?.total).toBe(1));
      expect(api.asked.map((a) => a.path)).toEqual(["/api/v1/videos", "/api/v1/tasks"]); // not asked twice
      expect(new URLSearchParams(api.asked[1]?.query).getAll("video_id")).toEqual(IDS);
    } finally {
      api.stop();
    }
  });
});
