import { useFaceNames } from "../../hooks/useFaceNames";
import { useItemsNow } from "../../hooks/useItemsNow";
import type { PlayerClock } from "../../lib/clock";
import type { Artifact } from "../../api/types";
import { boxOf, boxPercent, itemLabel } from "../../lib/boxes";

const NO_NAMES: ReadonlyMap<string, string> = new Map();

interface OverlayProps {
  items: readonly Artifact[];
  width: number;
  height: number;
  /** People's names of face boxes, by item id (a face without one says "face"). */
  names?: ReadonlyMap<string, string>;
}

/** Boxes of the objects, faces and text on screen, laid exactly over the picture (a picture for the eye:
 * the same items are listed as buttons beside it). */
export function BoxesOverlay({ items, width, height, names = NO_NAMES }: OverlayProps) {
  return (
    <div className="boxes" aria-hidden="true">
      {items.map((item) => {
        const box = boxOf(item.payload);
        if (!box) return null;
        const p = boxPercent(box, width, height);
        const name = names.get(item.id);
        return (
          <div
            key={item.id}
            className={`box ${item.artifact_type}${name ? " named" : ""}`}
            style={{ left: `${p.leftPct}%`, top: `${p.topPct}%`, width: `${p.widthPct}%`, height: `${p.heightPct}%` }}
          >
            <span>{name ?? itemLabel(item)}</span>
          </div>
        );
      })}
    </div>
  );
}

/** The boxes of what is on screen at the player's time, faces with the names of the people they are. */
export function LiveBoxes({
  videoId,
  clock,
  width,
  height,
}: {
  videoId: string;
  clock: PlayerClock;
  width: number;
  height: number;
}) {
  const items = useItemsNow(videoId, clock);
  return <BoxesOverlay items={items} width={width} height={height} names={useFaceNames(videoId, items)} />;
}
