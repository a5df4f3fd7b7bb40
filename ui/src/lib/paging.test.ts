import { describe, expect, it } from "vitest";
import { pageInfo, parseOffset } from "./paging";

describe("pages", () => {
  it("says where a page is and where the others start", () => {
    expect(pageInfo(120, 50, 0, 50)).toEqual({ text: "1–50 of 120", previousOffset: null, nextOffset: 50 });
    expect(pageInfo(120, 50, 100, 20)).toEqual({ text: "101–120 of 120", previousOffset: 50, nextOffset: null });
    expect(pageInfo(0, 50, 0, 0).text).toBe("nothing found");
  });

  it("reads an offset from the address, anything else being the first page", () => {
    expect(parseOffset("48")).toBe(48);
    expect(parseOffset("-5")).toBe(0);
    expect(parseOffset("x")).toBe(0);
    expect(parseOffset(null)).toBe(0);
  });
});
