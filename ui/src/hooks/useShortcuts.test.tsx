// @vitest-environment jsdom
import { cleanup, fireEvent, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Shortcut } from "../lib/keys";
import { useShortcuts } from "./useShortcuts";

afterEach(cleanup);

function Page({ heard }: { heard: Shortcut[] }) {
  useShortcuts((shortcut) => {
    heard.push(shortcut);
    return shortcut !== "search";
  });
  return <input aria-label="field" />;
}

describe("keyboard shortcuts", () => {
  it("hears n and p on the page, never in a field or with a modifier, and only while mounted", () => {
    const heard: Shortcut[] = [];
    const { getByLabelText, unmount } = render(<Page heard={heard} />);
    const next = new KeyboardEvent("keydown", { key: "n", bubbles: true, cancelable: true });
    document.body.dispatchEvent(next);
    expect(next.defaultPrevented).toBe(true);
    fireEvent.keyDown(document.body, { key: "p" });
    fireEvent.keyDown(getByLabelText("field"), { key: "n" });
    fireEvent.keyDown(document.body, { key: "n", ctrlKey: true });
    const slash = new KeyboardEvent("keydown", { key: "/", bubbles: true, cancelable: true });
    document.body.dispatchEvent(slash);
    expect(slash.defaultPrevented).toBe(false); // the handler did not take it
    unmount();
    fireEvent.keyDown(document.body, { key: "n" });
    expect(heard).toEqual(["next", "previous", "search"]);
  });
});
