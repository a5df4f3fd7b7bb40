import { type KeyboardEvent, memo, useEffect, useMemo, useRef, useState } from "react";
import { MAX_MOMENTS_PER_LANE, useLaneMoments } from "../../api/queries";
import type { Hit } from "../../api/types";
import type { Analysis } from "../../lib/analyses";
import type { PlayerClock } from "../../lib/clock";
import { momentLabel, type Selected } from "../../lib/moments";
import { laneStep, laneTitle, placeOnLane } from "../../lib/timeline";
import { ErrorNotice } from "../ErrorNotice";
import { Playhead } from "./Playhead";

interface Props {
  videoId: string;
  analysis: Analysis;
  durationMs: number;
  clock: PlayerClock;
  onSeek: (ms: number) => void;
  onPick: (selected: Selected) => void;
}

/** The moments of one analysis across the video, filled page by page as they arrive. A lane is one tab
 * stop (the arrow keys move along it); a moment seeks the player there and is selected. */
export const Lane = memo(function Lane({ videoId, analysis, durationMs, clock, onSeek, onPick }: Props) {
  const moments = useLaneMoments(videoId, analysis.moment);
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError } = moments;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);

  const found = useMemo<Hit[]>(() => (moments.data?.pages ?? []).flatMap((p) => p.items), [moments.data]);
  const total = moments.data?.pages[0]?.total ?? 0;
  const [focusAt, setFocusAt] = useState(0);
  const track = useRef<HTMLDivElement>(null);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(track.current?.querySelectorAll<HTMLButtonElement>("button.moment") ?? [])];
    const to = laneStep(event.key, buttons.indexOf(event.target as HTMLButtonElement), buttons.length);
    if (to === null) return;
    event.preventDefault();
    setFocusAt(to);
    buttons[to]?.focus();
  };

  const buttons = useMemo(
    () =>
      found.map((m, i) => {
        const place = placeOnLane(m, durationMs);
        const label = momentLabel(analysis.name, m);
        return (
          <button
            key={`${m.start_ms}:${m.end_ms}:${m.run_id}:${i}`}
            type="button"
            className="moment"
            title={label}
            aria-label={label}
            tabIndex={i === focusAt ? 0 : -1}
            style={{ left: `${place.leftPct}%`, width: `${place.widthPct}%` }}
            onClick={() => {
              setFocusAt(i);
              onSeek(m.start_ms);
              onPick({ what: label, span: m, runId: m.run_id });
            }}
          />
        );
      }),
    [found, durationMs, analysis.name, focusAt, onSeek, onPick],
  );

  return (
    <div className="lane" data-lane={analysis.moment}>
      <span className="lane-name">{laneTitle(analysis.name, found.length, total, MAX_MOMENTS_PER_LANE)}</span>
      <div className="track" role="group" aria-label={`${analysis.name} lane`} ref={track} onKeyDown={onKeyDown}>
        <Playhead clock={clock} durationMs={durationMs} />
        {buttons}
        {moments.isError && <ErrorNotice error={moments.error} />}
      </div>
    </div>
  );
});
