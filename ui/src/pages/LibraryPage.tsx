import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { LIBRARY_LIMIT, useTasksOfVideos, useVideos } from "../api/queries";
import { ErrorNotice } from "../components/ErrorNotice";
import { LibraryFilters } from "../components/library/LibraryFilters";
import { VideoCard } from "../components/library/VideoCard";
import { Pager } from "../components/Pager";
import { useTitle } from "../hooks/useTitle";
import { emptyText } from "../lib/library";
import { groupByVideo } from "../lib/tasks";
import { parseLibraryState } from "../lib/urls";

export default function LibraryPage() {
  useTitle("Library");
  const [params] = useSearchParams();
  const state = parseLibraryState(params);
  const videos = useVideos(state);
  const ids = useMemo(() => (videos.data?.items ?? []).map((v) => v.id), [videos.data]);
  // The chips of every video on the page from one listing, polled while any of its tasks runs.
  const tasks = useTasksOfVideos(ids);
  const byVideo = useMemo(() => groupByVideo(tasks.data?.items ?? []), [tasks.data]);
  const page = videos.data;
  return (
    <>
      <h1>Library</h1>
      <LibraryFilters key={params.toString()} state={state} />
      {videos.isError && <ErrorNotice error={videos.error} />}
      {page && page.items.length === 0 && (
        <p className="empty">{emptyText(Boolean(state.pathContains || state.status))}</p>
      )}
      {page && page.items.length > 0 && (
        <>
          <ul className="videos" aria-label="Videos">
            {page.items.map((video) => (
              <VideoCard
                key={video.id}
                video={video}
                tasks={byVideo.get(video.id) ?? (tasks.data ? [] : undefined)}
                tasksError={tasks.error}
              />
            ))}
          </ul>
          <Pager
            path="/"
            params={params}
            total={page.total}
            limit={LIBRARY_LIMIT}
            offset={state.offset}
            shown={page.items.length}
          />
        </>
      )}
    </>
  );
}
