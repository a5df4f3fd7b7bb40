import { Link } from "react-router";
import { thumbnailUrl } from "../../api/client";
import type { Task, Video } from "../../api/types";
import { fileName, formatDuration, formatWhen, visibleText } from "../../lib/format";
import { thumbnailOf, thumbnailTime } from "../../lib/library";
import { ErrorNotice } from "../ErrorNotice";
import { StatusChips } from "../StatusChips";

interface Props {
  video: Video;
  tasks: readonly Task[] | undefined;
  tasksError: unknown;
}

/** One video of the library: its thumbnail (or why there is none), name, facts and analyses. */
export function VideoCard({ video, tasks, tasksError }: Props) {
  const thumb = thumbnailOf(video.status);
  return (
    <li className={`video ${video.status}`}>
      {thumb.kind === "thumbnail" ? (
        <img
          src={thumbnailUrl(video.id, thumbnailTime(video.duration_ms), 240)}
          alt=""
          width={240}
          height={135}
          loading="lazy"
        />
      ) : (
        <div className="no-thumb">{thumb.text}</div>
      )}
      <div className="facts">
        <h2>
          <Link to={`/videos/${video.id}`}>{fileName(video.path)}</Link>
        </h2>
        <p className="meta">
          {formatDuration(video.duration_ms)} · {visibleText(video.path)}
        </p>
        {video.error && <ErrorNotice error={`Invalid: ${video.error}`} />}
        {video.status === "missing" && (
          <p className="notice">
            Missing: no file of this video is left
            {video.missing_since ? ` (since ${formatWhen(video.missing_since)})` : ""}; its results are kept.
          </p>
        )}
        <StatusChips tasks={tasks} error={tasksError} />
      </div>
    </li>
  );
}
