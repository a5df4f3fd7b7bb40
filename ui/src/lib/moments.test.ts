import { describe, expect, it } from "vitest";
import { inTimeOrder, jumpFrom, momentLabel, playbackFailure, provenanceRows, selectedText } from "./moments";

describe("moments on the video page", () => {
  it("names a moment and the selection", () => {
    expect(momentLabel("Objects", { text: "cat", start_ms: 6000 })).toBe("Objects: cat at 0:06.0");
    expect(selectedText({ what: "Face: face", span: { start_ms: 2000, end_ms: 4500 } })).toBe(
      "Face: face, 0:02.0–0:04.5",
    );
  });

  it("shows provenance values as text", () => {
    expect(provenanceRows({ run_id: "r1", change_threshold: null, extra: { a: 1 } })).toEqual([
      ["run_id", "r1"],
      ["change_threshold", "null"],
      ["extra", '{"a":1}'],
    ]);
  });

  it("steps to the next hit from the one shown, or from where playback is once past it", () => {
    expect(jumpFrom("next", 3990, 4000)).toBe(4000); // a frame before the hit after seeking
    expect(jumpFrom("next", 9000, 4000)).toBe(9000);
    expect(jumpFrom("previous", 4010, 4000)).toBe(4000);
    expect(jumpFrom("previous", 1000, 4000)).toBe(1000);
    expect(jumpFrom("next", 1234, null)).toBe(1234);
  });

  it("says why a video cannot be played, and orders segments by time", () => {
    expect(playbackFailure(4)).toMatch(/could not be streamed/);
    expect(playbackFailure(2)).toMatch(/interrupted/);
    expect(playbackFailure(undefined)).toMatch(/could not play it/);
    expect(
      inTimeOrder([
        { start_ms: 5, end_ms: 6 },
        { start_ms: 1, end_ms: 2 },
      ]).map((s) => s.start_ms),
    ).toEqual([1, 5]);
  });
});
