import { useItemsNow } from "../../hooks/useItemsNow";
import type { PlayerClock } from "../../lib/clock";
import type { Artifact } from "../../api/types";
import { itemKind, itemLabel } from "../../lib/boxes";
import type { Selected } from "../../lib/moments";

/** The boxed items on screen now, as buttons: the boxes, reachable by keyboard. */
export function InPicture({ items, onPick }: { items: readonly Artifact[]; onPick: (selected: Selected) => void }) {
  return (
    <section aria-labelledby="here-title">
      <h2 id="here-title">In the picture now</h2>
      <ul className="here" aria-label="Boxed items now">
        {items.map((item) => {
          const what = `${itemKind(item.artifact_type)}: ${itemLabel(item)}`;
          const span = { start_ms: item.span_start_ms, end_ms: item.span_end_ms };
          return (
            <li key={item.id}>
              <button type="button" className="quiet" onClick={() => onPick({ what, span, artifact: item })}>
                {what}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The boxed items at the player's time. */
export function LiveInPicture({
  videoId,
  clock,
  onPick,
}: {
  videoId: string;
  clock: PlayerClock;
  onPick: (selected: Selected) => void;
}) {
  return <InPicture items={useItemsNow(videoId, clock)} onPick={onPick} />;
}
