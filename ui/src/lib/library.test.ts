import { describe, expect, it } from "vitest";
import { emptyText, thumbnailOf, thumbnailTime } from "./library";

describe("the library's cards", () => {
  it("draws a thumbnail of a ready video, and says missing or not playable otherwise", () => {
    expect(thumbnailOf("ready")).toEqual({ kind: "thumbnail" });
    expect(thumbnailOf("missing")).toEqual({ kind: "placeholder", text: "missing" });
    expect(thumbnailOf("invalid")).toEqual({ kind: "placeholder", text: "not playable" });
  });

  it("takes the frame a second in, or the middle of a shorter video", () => {
    expect(thumbnailTime(14_000)).toBe(1000);
    expect(thumbnailTime(800)).toBe(400);
    expect(thumbnailTime(null)).toBe(0);
    expect(emptyText(true)).toBe("No video matches these filters.");
    expect(emptyText(false)).toMatch(/No videos yet/);
  });
});
