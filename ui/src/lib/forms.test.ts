// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { formText } from "./forms";

describe("formText", () => {
  it("reads a field's text, and nothing for a missing field or a file", () => {
    const form = new FormData();
    form.set("q", "dog");
    form.set("upload", new File(["x"], "x.txt"));
    expect(formText(form, "q")).toBe("dog");
    expect(formText(form, "missing")).toBe("");
    expect(formText(form, "upload")).toBe("");
  });
});
