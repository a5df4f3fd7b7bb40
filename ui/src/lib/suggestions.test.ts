import { describe, expect, it } from "vitest";
import { suggestionKinds, suggestionOptions } from "./suggestions";

describe("suggestions", () => {
  it("asks the kinds a search is limited to, else those with words", () => {
    expect(suggestionKinds(["object"])).toEqual(["object"]);
    expect(suggestionKinds([])).toEqual(["transcript", "object", "place", "ocr", "person"]);
  });

  it("offers each label once, with its kind and count", () => {
    expect(
      suggestionOptions([
        { type: "object", label: "cat", moments: 3, videos: 1 },
        { type: "ocr", label: "cat", moments: 1, videos: 1 },
        { type: "place", label: "palace", moments: 1, videos: 1 },
      ]),
    ).toEqual([
      { value: "cat", text: "Objects · 3" },
      { value: "palace", text: "Places · 1" },
    ]);
  });
});
