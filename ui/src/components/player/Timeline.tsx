import { LANES } from "../../lib/analyses";
import type { PlayerClock } from "../../lib/clock";
import type { Selected } from "../../lib/moments";
import { Lane } from "./Lane";
import { SpeakersLane } from "./SpeakersLane";

interface Props {
  videoId: string;
  durationMs: number;
  clock: PlayerClock;
  onSeek: (ms: number) => void;
  onPick: (selected: Selected) => void;
}

/** One lane per analysis, in their fixed order, then the people's, then the speakers'; each loads on its own
 * (the player does not wait for them). */
export function Timeline(props: Props) {
  return (
    <div className="timeline" role="group" aria-label="Timeline">
      {LANES.map((lane) => (
        <Lane key={lane.moment} analysis={lane} {...props} />
      ))}
      <SpeakersLane {...props} />
    </div>
  );
}
