// One hook per read and write of the API; pages never spell a path. Each hook owns its refresh
// policy: the chips poll while a task runs, the work page's listing and counts while work is under way,
// and writes invalidate what they change.
import {
  keepPreviousData,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { useEffect } from "react";
import { BOXED_TYPES, windowAround } from "../lib/boxes";
import type { Analysis } from "../lib/analyses";
import { anyActive, tasksLimit } from "../lib/tasks";
import { laneOffsets } from "../lib/timeline";
import type { LibraryState, PeopleState, SearchParams, WorkState } from "../lib/urls";
import { call, client } from "./client";
import { EarlyAnswers } from "./early";
import { ApiError } from "./problem";
import type { Hit, MomentType, System, Task, TaskPage, TaskStatus, TaskType } from "./types";

export const POLL_MS = 3000;
export const LIBRARY_LIMIT = 24;
export const SEARCH_LIMIT = 20;
export const WORK_LIMIT = 50;
export const LANE_PAGE = 100;
export const MAX_MOMENTS_PER_LANE = 2000;

const pollWhileActive = (tasks: readonly Task[] | undefined): number | false =>
  tasks && anyActive(tasks) ? POLL_MS : false;

/** Live state (tasks, counts, the system): dropped as soon as no page shows it, so a page visited again
 * never draws it from an earlier visit while it is asked for anew. */
const LIVE = { gcTime: 0 } as const;

// -------------------------------------------------------------------------------------- session

export const sessionQuery = queryOptions({
  queryKey: ["session"],
  queryFn: ({ signal }) => call(client.GET("/api/v1/session", { signal })),
  retry: false,
  staleTime: Infinity,
});

export function useSession() {
  return useQuery(sessionQuery);
}

export async function signIn(queryClient: QueryClient, token: string): Promise<void> {
  const session = await call(client.POST("/api/v1/session", { body: { token } }));
  queryClient.setQueryData(["session"], session);
}

/** Ends the session (the cookie is cleared by the answer); a failure changes nothing for the reader. */
export async function signOut(): Promise<void> {
  await call(client.DELETE("/api/v1/session")).catch(() => undefined);
}

// -------------------------------------------------------------------------------------- library

const tasksOfQuery = (videoIds: readonly string[]) => ({
  video_id: [...videoIds],
  order: "asc" as const,
  limit: tasksLimit(videoIds.length),
});
const tasksKey = (videoIds: readonly string[]): string => JSON.stringify(tasksOfQuery(videoIds));
/** The cache key of the status chips of these videos (the library's, and the early read's: api/earlyReads.ts). */
export const tasksOfVideosKey = (videoIds: readonly string[]) => ["tasks", "of-videos", tasksOfQuery(videoIds)];
const fetchTasksOf = (videoIds: readonly string[], signal?: AbortSignal) =>
  call(client.GET("/api/v1/tasks", { params: { query: tasksOfQuery(videoIds) }, signal }));
/** The tasks of a library page, asked for as its videos arrive (the listing is live, so not kept in the cache
 * before the page shows it: its first read takes the request instead). */
const earlyTasks = new EarlyAnswers<TaskPage>(5000);

export function videosQuery(state: LibraryState) {
  const query = {
    status: state.status || undefined,
    path_contains: state.pathContains.trim() || undefined,
    sort: state.sort,
    order: state.order,
    limit: LIBRARY_LIMIT,
    offset: state.offset,
  };
  return queryOptions({
    queryKey: ["videos", query],
    queryFn: async ({ signal, client: queryClient }) => {
      const page = await call(client.GET("/api/v1/videos", { params: { query }, signal }));
      // The page's chips: asked for now, while the cards are drawn, rather than once they are (unless the
      // page already shows these videos' chips, which it keeps reading itself).
      const ids = page.items.map((v) => v.id);
      if (ids.length && !queryClient.getQueryState(tasksOfVideosKey(ids))) {
        earlyTasks.start(tasksKey(ids), () => fetchTasksOf(ids));
      }
      return page;
    },
  });
}

export function useVideos(state: LibraryState) {
  return useQuery(videosQuery(state));
}

/** The tasks of every video on a library page, in one listing (`video_id` repeated), polled while one runs. */
export function useTasksOfVideos(videoIds: readonly string[]) {
  return useQuery({
    queryKey: tasksOfVideosKey(videoIds),
    ...LIVE,
    queryFn: ({ signal }) => earlyTasks.take(tasksKey(videoIds)) ?? fetchTasksOf(videoIds, signal),
    enabled: videoIds.length > 0,
    refetchInterval: (q) => pollWhileActive(q.state.data?.items),
  });
}

// ---------------------------------------------------------------------------------------- video

export function videoQuery(videoId: string) {
  return queryOptions({
    queryKey: ["video", videoId],
    queryFn: ({ signal }) =>
      call(client.GET("/api/v1/videos/{video_id}", { params: { path: { video_id: videoId } }, signal })),
  });
}

export function useVideo(videoId: string) {
  return useQuery(videoQuery(videoId));
}

export function useVideoTasks(videoId: string) {
  return useQuery({
    queryKey: ["tasks", "of-video", videoId],
    ...LIVE,
    queryFn: ({ signal }) =>
      call(client.GET("/api/v1/videos/{video_id}/tasks", { params: { path: { video_id: videoId } }, signal })),
    refetchInterval: (q) => pollWhileActive(q.state.data?.items),
  });
}

/** A lane's moments in time order, at most MAX_MOMENTS_PER_LANE, and how many there are in all. */
export interface LaneMoments {
  items: Hit[];
  total: number;
}

/** A lane's moments: the first page (LANE_PAGE, the most the API gives a request) says how many there are,
 * then every other page up to the cap is asked for at once, and the lane draws once when they are all in. */
export function laneMomentsQuery(videoId: string, moment: MomentType) {
  return queryOptions({
    queryKey: ["moments", videoId, moment],
    queryFn: async ({ signal }): Promise<LaneMoments> => {
      const page = (offset: number) =>
        call(
          client.GET("/api/v1/search", {
            params: { query: { video_id: videoId, types: [moment], sort: "time", limit: LANE_PAGE, offset } },
            signal,
          }),
        );
      const first = await page(0);
      const rest = await Promise.all(
        laneOffsets(first.items.length, first.total, LANE_PAGE, MAX_MOMENTS_PER_LANE).map(page),
      );
      const items = [first, ...rest].flatMap((p) => p.items).slice(0, MAX_MOMENTS_PER_LANE);
      return { items, total: first.total };
    },
    staleTime: 60_000,
  });
}

export function useLaneMoments(videoId: string, moment: MomentType) {
  return useQuery(laneMomentsQuery(videoId, moment));
}

/** Every lane's moments, asked for beside the video itself (the lanes draw once the video is in). */
export function usePrefetchLanes(videoId: string, moments: readonly MomentType[]): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    for (const moment of moments) void queryClient.prefetchQuery(laneMomentsQuery(videoId, moment));
  }, [queryClient, videoId, moments]);
}

/** The boxed artifacts (objects, faces, text) of the 10 s block that holds `blockStartMs`. */
export function useBoxedArtifacts(videoId: string, blockStartMs: number) {
  const block = windowAround(blockStartMs);
  return useQuery({
    queryKey: ["boxed", videoId, block.start_ms],
    queryFn: async ({ signal }) => {
      const pages = await Promise.all(
        BOXED_TYPES.map((artifact_type) =>
          call(
            client.GET("/api/v1/videos/{video_id}/artifacts", {
              params: {
                path: { video_id: videoId },
                query: { artifact_type, start_ms: block.start_ms, end_ms: block.end_ms, limit: 1000 },
              },
              signal,
            }),
          ),
        ),
      );
      return pages.flatMap((p) => p.items);
    },
    staleTime: 60_000,
    retry: false, // the boxes are an extra: a failure leaves the picture bare
  });
}

/** The stored item behind a moment (its provenance), asked for only when `enabled`. */
export function useArtifactOf(
  videoId: string,
  span: { start_ms: number; end_ms: number },
  runId: string | undefined,
  enabled: boolean,
) {
  const query = {
    video_id: videoId,
    run_id: runId,
    start_ms: span.start_ms,
    end_ms: Math.max(span.end_ms, span.start_ms + 1),
    limit: 1,
  };
  return useQuery({
    queryKey: ["artifact-of", query],
    queryFn: async ({ signal }) =>
      (await call(client.GET("/api/v1/artifacts", { params: { query }, signal }))).items[0] ?? null,
    enabled,
  });
}

export interface JumpRequest extends SearchParams {
  direction: "next" | "previous";
  videoId: string;
  atMs: number;
}

export async function jump({ direction, videoId, atMs, ...search }: JumpRequest) {
  const query = { ...search, video_id: videoId, at_ms: atMs };
  return direction === "next"
    ? call(client.GET("/api/v1/search/next", { params: { query } }))
    : call(client.GET("/api/v1/search/previous", { params: { query } }));
}

// --------------------------------------------------------------------------------------- search

export function useSearch(params: SearchParams, offset: number, enabled: boolean) {
  const query = { ...params, limit: SEARCH_LIMIT, offset };
  return useQuery({
    queryKey: ["search", query],
    queryFn: ({ signal }) => call(client.GET("/api/v1/search", { params: { query }, signal })),
    enabled,
  });
}

/** The languages the library's speech is in, the most spoken first (the search's language filter). */
export function useSearchLanguages() {
  return useQuery({
    queryKey: ["search-languages"],
    queryFn: ({ signal }) => call(client.GET("/api/v1/search/languages", { signal })).then((l) => l.items),
    staleTime: 60_000,
  });
}

/** Labels and words the library has for what is being typed, across `kinds` (a failed kind adds none). */
export function useSuggestions(kinds: readonly MomentType[], prefix: string) {
  return useQuery({
    queryKey: ["labels", kinds, prefix],
    queryFn: async ({ signal }) => {
      const lists = await Promise.all(
        kinds.map((type) =>
          call(client.GET("/api/v1/labels", { params: { query: { type, prefix, limit: 8 } }, signal })).catch(() => ({
            items: [],
          })),
        ),
      );
      return lists.flatMap((l) => l.items);
    },
    staleTime: 30_000,
    placeholderData: keepPreviousData,
  });
}

// ----------------------------------------------------------------------------------------- work

/** GET /system (models, device, gate, queues, counts); null where the API lacks it. Refreshed every 10 s. */
export function useSystem() {
  return useQuery({
    queryKey: ["system"],
    ...LIVE,
    queryFn: async ({ signal }): Promise<System | null> => {
      try {
        return await call(client.GET("/api/v1/system", { signal }));
      } catch (error) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
        throw error;
      }
    },
    refetchInterval: 10_000,
  });
}

async function countTasks(query: { status: TaskStatus; task_type?: TaskType }, signal: AbortSignal): Promise<number> {
  return (await call(client.GET("/api/v1/tasks", { params: { query: { ...query, limit: 1 } }, signal }))).total;
}

export interface TaskCounts {
  byStatus: [TaskStatus, number][];
  ofType: [Analysis, number][];
}

/** Tasks by status, and by analysis within `status`: from /system's counts when it has them, else counted. */
export function useTaskCounts(
  status: TaskStatus,
  statuses: readonly TaskStatus[],
  analyses: readonly Analysis[],
  system: System | null | undefined,
  systemSettled: boolean,
) {
  return useQuery({
    queryKey: ["tasks", "counts", status, system?.tasks ?? null],
    ...LIVE,
    enabled: systemSettled,
    queryFn: async ({ signal }): Promise<TaskCounts> => {
      const counted = system?.tasks.by_status;
      const byType = system?.tasks.by_type;
      const [byStatus, ofType] = await Promise.all([
        Promise.all(
          statuses.map(async (s): Promise<[TaskStatus, number]> => [
            s,
            counted ? (counted[s] ?? 0) : await countTasks({ status: s }, signal),
          ]),
        ),
        Promise.all(
          analyses.map(async (a): Promise<[Analysis, number]> => [
            a,
            byType ? (byType[a.task]?.[status] ?? 0) : await countTasks({ status, task_type: a.task }, signal),
          ]),
        ),
      ]);
      return { byStatus, ofType };
    },
  });
}

export function useTaskPage(state: WorkState) {
  const query = {
    status: state.status,
    task_type: state.taskType || undefined,
    sort: "created_at" as const,
    order: "desc" as const,
    limit: WORK_LIMIT,
    offset: state.offset,
  };
  return useQuery({
    queryKey: ["tasks", "page", query],
    ...LIVE,
    queryFn: ({ signal }) => call(client.GET("/api/v1/tasks", { params: { query }, signal })),
    refetchInterval: (q) => pollWhileActive(q.state.data?.items),
  });
}

/** After a write to tasks: every listing and count of them, and the system view, are read again. */
function invalidateTasks(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ["tasks"] }),
    queryClient.invalidateQueries({ queryKey: ["system"] }),
  ]).then(() => undefined);
}

export function useTaskAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ task, action }: { task: Task; action: "retry" | "cancel" }): Promise<void> => {
      const path = { task_id: task.id };
      if (action === "retry") await call(client.POST("/api/v1/tasks/{task_id}/retry", { params: { path } }));
      else await call(client.POST("/api/v1/tasks/{task_id}/cancel", { params: { path } }));
    },
    onSettled: () => invalidateTasks(queryClient),
  });
}

export function useBulkAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      action,
      status,
      taskType,
    }: {
      action: "retry" | "cancel";
      status: TaskStatus;
      taskType: TaskType | "";
    }) => {
      const body = { status: [status], task_type: taskType ? [taskType] : [], all: false };
      return action === "retry"
        ? call(client.POST("/api/v1/tasks/retry", { body }))
        : call(client.POST("/api/v1/tasks/cancel", { body }));
    },
    onSettled: () => invalidateTasks(queryClient),
  });
}

export function useDiscover() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => call(client.POST("/api/v1/paths/discover")),
    onSuccess: () =>
      Promise.all([invalidateTasks(queryClient), queryClient.invalidateQueries({ queryKey: ["videos"] })]).then(
        () => undefined,
      ),
  });
}

// --------------------------------------------------------------------------------------- people

export const PEOPLE_LIMIT = 48;

export function personsQuery(state: PeopleState) {
  const query = { q: state.q.trim() || undefined, limit: PEOPLE_LIMIT, offset: state.offset };
  return queryOptions({
    queryKey: ["persons", "list", query],
    queryFn: ({ signal }) => call(client.GET("/api/v1/persons", { params: { query }, signal })),
  });
}

export function personQuery(personId: string) {
  return queryOptions({
    queryKey: ["persons", "one", personId],
    queryFn: ({ signal }) =>
      call(client.GET("/api/v1/persons/{person_id}", { params: { path: { person_id: personId } }, signal })),
  });
}

// ------------------------------------------------------------------------------------- speakers

export const SPEAKERS_LIMIT = 50;

export function speakersQuery(state: PeopleState) {
  const query = { q: state.q.trim() || undefined, limit: SPEAKERS_LIMIT, offset: state.offset };
  return queryOptions({
    queryKey: ["speakers", "list", query],
    queryFn: ({ signal }) => call(client.GET("/api/v1/speakers", { params: { query }, signal })),
  });
}

export function speakerQuery(speakerId: string) {
  return queryOptions({
    queryKey: ["speakers", "one", speakerId],
    queryFn: ({ signal }) =>
      call(client.GET("/api/v1/speakers/{speaker_id}", { params: { path: { speaker_id: speakerId } }, signal })),
  });
}
