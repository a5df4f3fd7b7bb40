import { memo, type ReactNode, useCallback, useEffect, useMemo, useRef } from "react";
import { useLaneMoments } from "../../api/queries";
import type { Hit } from "../../api/types";
import { useClock } from "../../hooks/useClock";
import type { PlayerClock } from "../../lib/clock";
import { formatTime } from "../../lib/format";
import { inTimeOrder, type Selected } from "../../lib/moments";
import { speakerColour, speakerName, startsRun } from "../../lib/speakers";
import { activeIndex } from "../../lib/timeline";
import { SpeakerName } from "../speakers/SpeakerName";

interface Props {
  videoId: string;
  clock: PlayerClock;
  onSeek: (ms: number) => void;
  onPick: (selected: Selected) => void;
}

/** Scroll without animation for readers who asked the system for less motion. */
function scrollBehaviour(): ScrollBehavior {
  return window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
}

interface SegmentProps {
  segment: Hit;
  current: boolean;
  /** Whether the segment starts its speaker's run: their name is shown above it, to be named in place. */
  showSpeaker: boolean;
  onChoose: (segment: Hit) => void;
}

/** One segment: drawn again only when it becomes, or stops being, the one played. Who speaks is shown once
 * a run of their lines (a button that names them in place), and said in every line's own name for
 * screen readers, which read a line alone. */
const Segment = memo(function Segment({ segment, current, showSpeaker, onChoose }: SegmentProps) {
  const speaker = segment.speaker;
  return (
    <li className={speaker ? "spoken" : undefined}>
      {speaker && showSpeaker && (
        <div className="speaker-label">
          <span className="speaker-dot" style={{ background: speakerColour(speaker.number) }} aria-hidden="true" />
          <SpeakerName speaker={speaker} />
        </div>
      )}
      <button
        type="button"
        className="segment"
        aria-current={current ? "true" : undefined}
        onClick={() => onChoose(segment)}
      >
        <span className="time">{formatTime(segment.start_ms)}</span>{" "}
        {speaker && <span className="sr-only">{speakerName(speaker)}: </span>}
        {segment.text}
      </button>
    </li>
  );
});

/** What was said, a button per segment, with who says it; the segment being played is marked (aria-current)
 * and kept in view. */
export const Transcript = memo(function Transcript({ videoId, clock, onSeek, onPick }: Props) {
  // The transcript lane's moments: the same cache entry as the lane (one set of requests for both).
  const moments = useLaneMoments(videoId, "transcript");
  const complete = moments.isSuccess;
  const segments = useMemo(() => inTimeOrder(moments.data?.items ?? []), [moments.data]);
  const active = useClock(
    clock,
    useCallback((ms: number) => activeIndex(segments, ms), [segments]),
  );
  // The segment being played is kept in view: one effect for the list, not one per segment.
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (active < 0) return;
    const current = list.current?.children[active]?.querySelector(".segment");
    current?.scrollIntoView?.({ block: "nearest", behavior: scrollBehaviour() });
  }, [active, segments]);
  const onChoose = useCallback(
    (s: Hit) => {
      onSeek(s.start_ms);
      onPick({ what: `Transcript: ${s.text}`, span: s, runId: s.run_id });
    },
    [onSeek, onPick],
  );

  let body: ReactNode;
  if (moments.isError) body = <p className="help">The transcript could not be loaded.</p>;
  else if (!complete) body = <p className="help">Loading the transcript…</p>;
  else if (!segments.length) body = <p className="help">Nothing was said, or the transcript is not ready.</p>;
  else
    body = (
      <ol className="transcript-list" ref={list}>
        {segments.map((s, i) => (
          <Segment
            key={`${s.start_ms}:${i}`}
            segment={s}
            current={i === active}
            showSpeaker={startsRun(segments, i)}
            onChoose={onChoose}
          />
        ))}
      </ol>
    );

  return (
    <section className="transcript" aria-labelledby="transcript-title">
      <h2 id="transcript-title">Transcript</h2>
      {body}
    </section>
  );
});
