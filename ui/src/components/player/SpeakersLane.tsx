import { memo, useMemo } from "react";
import { useLaneMoments } from "../../api/queries";
import type { Hit } from "../../api/types";
import type { LaneKind } from "../../lib/analyses";
import type { PlayerClock } from "../../lib/clock";
import { inTimeOrder, type Selected } from "../../lib/moments";
import { speakerColour, speakerName, speakerTurns } from "../../lib/speakers";
import { LaneView } from "./Lane";

interface Props {
  videoId: string;
  durationMs: number;
  clock: PlayerClock;
  onSeek: (ms: number) => void;
  onPick: (selected: Selected) => void;
}

/** Who speaks when: a lane after the people's, from the transcript's lines (their cache entry). */
export const SPEAKERS_LANE: LaneKind = { moment: "speaker", name: "Speakers" };

const colourOf = (m: Hit): string | undefined => (m.speaker ? speakerColour(m.speaker.number) : undefined);

/** One band per speaker turn (consecutive lines of one speaker), named and coloured after the speaker;
 * a band seeks there like any lane's moment. */
export const SpeakersLane = memo(function SpeakersLane({ videoId, ...rest }: Props) {
  const transcript = useLaneMoments(videoId, "transcript");
  const turns = useMemo(
    () =>
      speakerTurns(inTimeOrder(transcript.data?.items ?? [])).map((turn): Hit => ({
        ...turn.first,
        start_ms: turn.start_ms,
        end_ms: turn.end_ms,
        text: speakerName(turn.speaker),
      })),
    [transcript.data],
  );
  const capped = transcript.data !== undefined && transcript.data.items.length < transcript.data.total;
  const title = capped ? `${SPEAKERS_LANE.name} (first ${turns.length} turns)` : SPEAKERS_LANE.name;
  return (
    <LaneView lane={SPEAKERS_LANE} title={title} items={turns} error={transcript.error} colourOf={colourOf} {...rest} />
  );
});
