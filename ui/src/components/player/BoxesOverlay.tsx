import { useItemsNow } from "../../hooks/useItemsNow";
import type { PlayerClock } from "../../lib/clock";
import type { Artifact } from "../../api/types";
import { boxOf, boxPercent, itemLabel } from "../../lib/boxes";

/** Boxes of the objects, faces and text on screen, laid exactly over the picture (a picture for the eye:
 * the same items are listed as buttons beside it). */
export function BoxesOverlay({ items, width, height }: { items: readonly Artifact[]; width: number; height: number }) {
  return (
    <div className="boxes" aria-hidden="true">
      {items.map((item) => {
        const box = boxOf(item.payload);
        if (!box) return null;
        const p = boxPercent(box, width, height);
        return (
          <div
            key={item.id}
            className={`box ${item.artifact_type}`}
            style={{ left: `${p.leftPct}%`, top: `${p.topPct}%`, width: `${p.widthPct}%`, height: `${p.heightPct}%` }}
          >
            <span>{itemLabel(item)}</span>
          </div>
        );
      })}
    </div>
  );
}

/** The boxes of what is on screen at the player's time. */
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
  return <BoxesOverlay items={useItemsNow(videoId, clock)} width={width} height={height} />;
}
