// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { isTextField, shortcutOf } from "./keys";

describe("shortcuts", () => {
  it("maps keys to shortcuts only outside text fields", () => {
    expect(shortcutOf("n", false, false)).toBe("next");
    expect(shortcutOf("k", false, false)).toBe("previous");
    expect(shortcutOf("/", false, false)).toBe("search");
    expect(shortcutOf("n", true, false)).toBeNull();
    expect(shortcutOf("n", false, true)).toBeNull();
    expect(shortcutOf("x", false, false)).toBeNull();
  });

  it("knows a text field from the rest of the page", () => {
    expect(isTextField(document.createElement("input"))).toBe(true);
    expect(isTextField(document.createElement("select"))).toBe(true);
    const editable = document.createElement("div");
    editable.setAttribute("contenteditable", "");
    expect(isTextField(editable)).toBe(true);
    expect(isTextField(document.body)).toBe(false);
    expect(isTextField(null)).toBe(false);
  });
});
