// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Artifact } from "../../api/types";
import type { Selected } from "../../lib/moments";
import { BoxesOverlay } from "./BoxesOverlay";
import { InPicture } from "./InPicture";

afterEach(cleanup);

const provenance = {
  producer: "yolo",
  producer_version: "1",
  model_profile: "fast",
  config_hash: "c",
  input_hash: "i",
  run_id: "run-1",
  device: "cpu",
  weights: "w",
};
const base = { video_id: "v", task_id: "t", schema_version: 1, provenance, created_at: "2026-01-01T00:00:00Z" };
const cat = {
  ...base,
  id: "a1",
  span_start_ms: 6000,
  span_end_ms: 6500,
  artifact_type: "object",
  payload: {
    frame_index: 150,
    timestamp_ms: 6000,
    label: "cat",
    confidence: 0.9,
    bbox: { x1: 32, y1: 24, x2: 160, y2: 120 },
  },
} as Artifact;
const text = {
  ...base,
  id: "a2",
  span_start_ms: 6000,
  span_end_ms: 6500,
  artifact_type: "ocr_text",
  payload: {
    frame_index: 150,
    timestamp_ms: 6000,
    text: "CAT",
    confidence: 0.8,
    polygon: [
      { x: 0, y: 0 },
      { x: 64, y: 24 },
    ],
  },
} as Artifact;

describe("boxes over the picture", () => {
  it("draws each box where it is in the frame, named, hidden from screen readers", () => {
    const { container } = render(<BoxesOverlay items={[cat, text]} width={320} height={240} />);
    expect(container.querySelector(".boxes")?.getAttribute("aria-hidden")).toBe("true");
    const box = container.querySelector<HTMLElement>(".box.object");
    expect(box?.textContent).toBe("cat");
    expect([box?.style.left, box?.style.top, box?.style.width, box?.style.height]).toEqual([
      "10%",
      "10%",
      "40%",
      "40%",
    ]);
    expect(container.querySelector(".box.ocr_text")?.textContent).toBe("CAT");
  });

  it("lists the same items as buttons that select them", () => {
    const picks: Selected[] = [];
    render(<InPicture items={[cat, text]} onPick={(s) => picks.push(s)} />);
    expect(screen.getAllByRole("button").map((b) => b.textContent)).toEqual(["Object: cat", "Text: CAT"]);
    fireEvent.click(screen.getByRole("button", { name: "Object: cat" }));
    expect(picks).toEqual([{ what: "Object: cat", span: { start_ms: 6000, end_ms: 6500 }, artifact: cat }]);
  });
});
