import { useCallback, useRef, useState } from "react";
import { useParams, useSearchParams } from "react-router";
import { usePrefetchLanes, useVideo, useVideoTasks } from "../api/queries";
import type { Video } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { NotFound } from "../components/NotFound";
import { LiveBoxes } from "../components/player/BoxesOverlay";
import { ClockText } from "../components/player/ClockText";
import { HitJumps } from "../components/player/HitJumps";
import { InPicture, LiveInPicture } from "../components/player/InPicture";
import { SelectedDetails } from "../components/player/SelectedDetails";
import { Timeline } from "../components/player/Timeline";
import { Transcript } from "../components/player/Transcript";
import { VideoPlayer } from "../components/player/VideoPlayer";
import { StatusChips } from "../components/StatusChips";
import { useTitle } from "../hooks/useTitle";
import { LANES } from "../lib/analyses";
import { PlayerClock } from "../lib/clock";
import { fileName, formatDuration, formatWhen, visibleText } from "../lib/format";
import type { Selected } from "../lib/moments";
import { isSearching, parseSearchState, startMsOf, videoIdOf } from "../lib/urls";

/** The player's page for one video: its own state starts afresh for another video (keyed by its id). */
export default function VideoPage() {
  const id = videoIdOf(useParams().id);
  return id === null ? <NotFound /> : <VideoLoader key={id} id={id} />;
}

const MOMENTS = LANES.map((lane) => lane.moment);

function VideoLoader({ id }: { id: string }) {
  const video = useVideo(id);
  usePrefetchLanes(id, MOMENTS);
  if (video.isError) return <ErrorNotice error={video.error} />;
  if (!video.data) return null;
  return <Watch video={video.data} />;
}

function Watch({ video }: { video: Video }) {
  const name = fileName(video.path);
  useTitle(name);
  const [params] = useSearchParams();
  const search = parseSearchState(params);
  const startMs = startMsOf(params);
  const durationMs = video.duration_ms ?? 0;
  const [clock] = useState(() => new PlayerClock(startMs ?? 0));
  const player = useRef<HTMLVideoElement>(null);
  const [selected, setSelected] = useState<Selected | null>(null);
  const tasks = useVideoTasks(video.id);
  const framed = video.width && video.height ? { width: video.width, height: video.height } : null;

  const seek = useCallback(
    (ms: number) => {
      if (player.current) player.current.currentTime = Math.max(0, ms / 1000);
      else clock.set(Math.max(0, ms)); // no player (a missing video): the page follows the choice anyway
    },
    [clock],
  );
  const pick = useCallback((s: Selected) => setSelected(s), []);

  return (
    <>
      <h1>{name}</h1>
      <p className="meta">
        {formatDuration(video.duration_ms)} · {video.width ?? "?"}×{video.height ?? "?"} · {visibleText(video.path)}
      </p>
      {video.error && <ErrorNotice error={`This file cannot be played: ${video.error}`} />}
      {video.status === "missing" && (
        <p className="notice">
          Missing{video.missing_since ? ` since ${formatWhen(video.missing_since)}` : ""}: its results are kept, and it
          plays again when a file with its content is back.
        </p>
      )}
      <StatusChips tasks={tasks.data?.items} error={tasks.error} />
      {isSearching(search) && (
        <HitJumps videoId={video.id} search={search} startMs={startMs} videoRef={player} onSeek={seek} />
      )}
      <div className="watch">
        <div className="stage">
          <VideoPlayer video={video} name={name} clock={clock} startMs={startMs} videoRef={player}>
            {framed && <LiveBoxes videoId={video.id} clock={clock} width={framed.width} height={framed.height} />}
          </VideoPlayer>
          <ClockText clock={clock} durationMs={durationMs} />
          <Timeline videoId={video.id} durationMs={durationMs} clock={clock} onSeek={seek} onPick={pick} />
        </div>
        <div className="side">
          <Transcript videoId={video.id} clock={clock} onSeek={seek} onPick={pick} />
          {framed ? (
            <LiveInPicture videoId={video.id} clock={clock} onPick={pick} />
          ) : (
            <InPicture items={[]} onPick={pick} />
          )}
          <SelectedDetails key={selectionKey(selected)} videoId={video.id} selected={selected} />
        </div>
      </div>
    </>
  );
}

/** A new selection starts its details afresh (provenance not yet asked for). */
function selectionKey(selected: Selected | null): string {
  if (selected === null) return "none";
  return `${selected.what}|${selected.span.start_ms}|${selected.span.end_ms}|${selected.runId ?? selected.artifact?.id ?? ""}`;
}
