import { type KeyboardEvent, memo, useCallback, useMemo, useRef, useState } from "react";
import { MAX_MOMENTS_PER_LANE, useLaneMoments } from "../../api/queries";
import type { Hit } from "../../api/types";
import type { LaneKind } from "../../lib/analyses";
import type { PlayerClock } from "../../lib/clock";
import { momentLabel, type Selected } from "../../lib/moments";
import { inBlocks, laneStep, laneTitle, placeOnLane } from "../../lib/timeline";
import { ErrorNotice } from "../ErrorNotice";
import { Playhead } from "./Playhead";

interface Props {
  videoId: string;
  analysis: LaneKind;
  durationMs: number;
  clock: PlayerClock;
  onSeek: (ms: number) => void;
  onPick: (selected: Selected) => void;
}

interface BlockProps {
  moments: readonly Hit[];
  /** The index of the block's first moment in the lane. */
  first: number;
  /** The moment of this block that is the lane's tab stop, or -1. */
  focusHere: number;
  durationMs: number;
  laneName: string;
  colourOf?: (moment: Hit) => string | undefined;
  onChoose: (moment: Hit, index: number, label: string) => void;
}

/** A block of a lane's moments, drawn again only when the tab stop enters or leaves it: moving along a
 * lane of 2,000 moments redraws two blocks of BLOCK, not the lane. */
const LaneBlock = memo(function LaneBlock({
  moments,
  first,
  focusHere,
  durationMs,
  laneName,
  colourOf,
  onChoose,
}: BlockProps) {
  return moments.map((m, j) => {
    const place = placeOnLane(m, durationMs);
    const label = momentLabel(laneName, m);
    return (
      <button
        key={j}
        type="button"
        className="moment"
        title={label}
        aria-label={label}
        tabIndex={j === focusHere ? 0 : -1}
        style={{ left: `${place.leftPct}%`, width: `${place.widthPct}%`, background: colourOf?.(m) }}
        onClick={() => onChoose(m, first + j, label)}
      />
    );
  });
});

const BLOCK = 100;
const NONE: readonly Hit[] = [];

/** The moments of one analysis across the video, drawn once they are all in (see LaneView). */
export const Lane = memo(function Lane({ videoId, analysis, ...rest }: Props) {
  const moments = useLaneMoments(videoId, analysis.moment);
  const items = moments.data?.items ?? NONE;
  const title = laneTitle(analysis.name, items.length, moments.data?.total ?? 0, MAX_MOMENTS_PER_LANE);
  return <LaneView lane={analysis} title={title} items={items} error={moments.error} {...rest} />;
});

interface ViewProps extends Omit<Props, "videoId" | "analysis"> {
  lane: LaneKind;
  /** What the lane says of itself, beside its track. */
  title: string;
  items: readonly Hit[];
  error: unknown;
  /** A moment's own colour (else the lane's). */
  colourOf?: (moment: Hit) => string | undefined;
}

/** A lane: one tab stop (the arrow keys move along it); a moment seeks the player there and is selected. */
export const LaneView = memo(function LaneView({
  lane,
  title,
  items,
  error,
  colourOf,
  durationMs,
  clock,
  onSeek,
  onPick,
}: ViewProps) {
  const blocks = useMemo(() => inBlocks(items, BLOCK), [items]);
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
  const onChoose = useCallback(
    (m: Hit, index: number, label: string) => {
      setFocusAt(index);
      onSeek(m.start_ms);
      onPick({ what: label, span: m, runId: m.run_id });
    },
    [onSeek, onPick],
  );

  let first = 0;
  return (
    <div className="lane" data-lane={lane.moment}>
      <span className="lane-name">{title}</span>
      <div className="track" role="toolbar" aria-label={`${lane.name} lane`} ref={track} onKeyDown={onKeyDown}>
        <Playhead clock={clock} durationMs={durationMs} />
        {blocks.map((block, n) => {
          const here = first;
          first += block.length;
          const focusHere = focusAt >= here && focusAt < first ? focusAt - here : -1;
          return (
            <LaneBlock
              key={n}
              moments={block}
              first={here}
              focusHere={focusHere}
              durationMs={durationMs}
              laneName={lane.name}
              colourOf={colourOf}
              onChoose={onChoose}
            />
          );
        })}
        {error ? <ErrorNotice error={error} /> : null}
      </div>
    </div>
  );
});
