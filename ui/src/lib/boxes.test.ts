import { describe, expect, it } from "vitest";
import { boxOf, boxPercent, itemKind, itemLabel, itemsAt, windowAround } from "./boxes";

describe("boxes", () => {
  const item = (type: string, t: number, payload: Record<string, unknown>) => ({
    artifact_type: type,
    span_start_ms: t,
    payload,
  });
  const box = { x1: 10, y1: 20, x2: 110, y2: 70 };

  it("takes a bbox or a polygon's bounds", () => {
    expect(boxOf({ bbox: box })).toEqual(box);
    expect(
      boxOf({
        polygon: [
          { x: 5, y: 9 },
          { x: 50, y: 2 },
          { x: 40, y: 30 },
        ],
      }),
    ).toEqual({ x1: 5, y1: 2, x2: 50, y2: 30 });
    expect(boxOf({ text: "hello" })).toBeNull();
    expect(boxPercent(box, 200, 100)).toEqual({ leftPct: 5, topPct: 20, widthPct: 50, heightPct: 50 });
  });

  it("shows per analysis the sampled frame nearest now, and nothing past the tolerance", () => {
    const items = [
      item("object", 1000, { label: "cat", bbox: box }),
      item("object", 2000, { label: "cat", bbox: box }),
      item("object", 2000, { label: "cup", bbox: box }),
      item("face", 3000, { bbox: box }),
      item("transcript_segment", 2000, { text: "hi" }),
    ];
    const at = itemsAt(items, 1900, 600);
    expect(at.map((i) => `${i.artifact_type}@${i.span_start_ms}:${String(i.payload.label)}`)).toEqual([
      "object@2000:cat",
      "object@2000:cup",
    ]);
    expect(itemsAt(items, 5000, 600)).toEqual([]);
  });

  it("names a boxed item by its label or text, and its kind in words", () => {
    expect(itemLabel(item("object", 0, { label: "cat" }))).toBe("cat");
    expect(itemLabel(item("ocr_text", 0, { text: "EXIT" }))).toBe("EXIT");
    expect(itemLabel(item("face", 0, {}))).toBe("face");
    expect(["object", "face", "ocr_text"].map(itemKind)).toEqual(["Object", "Face", "Text"]);
  });

  it("aligns the artifact window to blocks", () => {
    expect(windowAround(12_345)).toEqual({ start_ms: 10_000, end_ms: 20_000 });
    expect(windowAround(-5)).toEqual({ start_ms: 0, end_ms: 10_000 });
  });
});
