import { describe, expect, it } from "vitest";
import { activeIndex, inBlocks, laneOffsets, laneStep, laneTitle, placeOnLane, playheadPct } from "./timeline";

describe("timeline", () => {
  it("places moments on a lane, clickable however short", () => {
    expect(placeOnLane({ start_ms: 2000, end_ms: 4000 }, 10_000)).toEqual({ leftPct: 20, widthPct: 20 });
    const tiny = placeOnLane({ start_ms: 9990, end_ms: 9990 }, 10_000);
    expect(tiny.widthPct).toBeGreaterThanOrEqual(0.6);
    expect(tiny.leftPct + tiny.widthPct).toBeLessThanOrEqual(100);
    const past = placeOnLane({ start_ms: 12_000, end_ms: 15_000 }, 10_000);
    expect(past.leftPct + past.widthPct).toBeLessThanOrEqual(100);
    expect(playheadPct(5000, 10_000)).toBe(50);
    expect(playheadPct(20_000, 10_000)).toBe(100);
    expect(playheadPct(5000, 0)).toBe(0);
  });

  it("finds the segment playing now", () => {
    const spans = [
      { start_ms: 0, end_ms: 1000 },
      { start_ms: 1500, end_ms: 3000 },
      { start_ms: 3000, end_ms: 5000 },
    ];
    expect(activeIndex(spans, 500)).toBe(0);
    expect(activeIndex(spans, 1200)).toBe(-1); // a gap
    expect(activeIndex(spans, 3000)).toBe(2);
    expect(activeIndex(spans, 6000)).toBe(-1);
    expect(activeIndex([], 10)).toBe(-1);
  });

  it("moves along a lane with the arrow keys, stopping at its ends", () => {
    expect(laneStep("ArrowRight", 0, 3)).toBe(1);
    expect(laneStep("ArrowRight", 2, 3)).toBe(2);
    expect(laneStep("ArrowLeft", 0, 3)).toBe(0);
    expect(laneStep("End", 0, 3)).toBe(2);
    expect(laneStep("Home", 2, 3)).toBe(0);
    expect(laneStep("Enter", 1, 3)).toBeNull();
    expect(laneStep("ArrowRight", -1, 3)).toBeNull(); // the focus is not on a moment
  });

  it("pages a lane's moments up to its cap, and says when it shows only the first", () => {
    expect(laneOffsets(100, 250, 100, 2000)).toEqual([100, 200]);
    expect(laneOffsets(100, 100, 100, 2000)).toEqual([]); // the first page held them all
    expect(laneOffsets(40, 40, 100, 2000)).toEqual([]);
    expect(laneOffsets(0, 250, 100, 2000)).toEqual([]); // an empty first page: nothing more to ask
    const capped = laneOffsets(100, 5000, 100, 2000);
    expect(capped).toHaveLength(19);
    expect([capped[0], capped[18]]).toEqual([100, 1900]); // with the first page: 2,000, the cap
    expect(inBlocks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(inBlocks([], 100)).toEqual([]);
    expect(laneTitle("Objects", 2000, 5000, 2000)).toBe("Objects (first 2000 of 5000)");
    expect(laneTitle("Objects", 40, 40, 2000)).toBe("Objects");
  });
});
