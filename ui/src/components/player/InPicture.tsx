import { useFaceNames } from "../../hooks/useFaceNames";
import { useItemsNow } from "../../hooks/useItemsNow";
import type { PlayerClock } from "../../lib/clock";
import type { Artifact } from "../../api/types";
import { itemKind, itemLabel } from "../../lib/boxes";
import type { Selected } from "../../lib/moments";

const NO_NAMES: ReadonlyMap<string, string> = new Map();

interface Props {
  items: readonly Artifact[];
  onPick: (selected: Selected) => void;
  /** People's names of face items, by item id. */
  names?: ReadonlyMap<string, string>;
}

/** The boxed items on screen now, as buttons: the boxes, reachable by keyboard (a named face by its name). */
export function InPicture({ items, onPick, names = NO_NAMES }: Props) {
  return (
    <section aria-labelledby="here-title">
      <h2 id="here-title">In the picture now</h2>
      <ul className="here" aria-label="Boxed items now">
        {items.map((item) => {
          const what = `${itemKind(item.artifact_type)}: ${names.get(item.id) ?? itemLabel(item)}`;
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
  const items = useItemsNow(videoId, clock);
  return <InPicture items={items} onPick={onPick} names={useFaceNames(videoId, items)} />;
}
