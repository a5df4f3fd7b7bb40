// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { hit, renderWith } from "../../testing";
import { parseSearchState } from "../../lib/urls";
import { ResultList } from "./ResultList";

afterEach(cleanup);

describe("results", () => {
  it("links each hit to its moment with the search kept, and marks the match without markup from the text", () => {
    const state = parseSearchState(new URLSearchParams("q=lazy&offset=20"));
    const found = hit({
      type: "transcript",
      start_ms: 4200,
      end_ms: 5000,
      text: "the lazy dog",
      snippet: "the <mark>lazy</mark> &lt;b&gt;dog",
    });
    const { container } = renderWith(<ResultList hits={[found]} state={state} />);
    const link = screen.getByRole("link");
    expect(link.getAttribute("href")).toBe(`/videos/${found.video_id}?q=lazy&t=4.200`);
    expect(container.querySelector("mark")?.textContent).toBe("lazy");
    expect(container.querySelector("b")).toBeNull();
    expect(link.textContent).toContain("<b>dog");
    expect(link.textContent).toContain("Transcript · sample.mp4 · 0:04.2");
    expect(screen.getByRole("list", { name: "Results" }).getAttribute("start")).toBe("21");
    expect(container.querySelector(".badge")).toBeNull(); // matched as typed: no badge
  });

  it("says who speaks in a hit (named, or by number), and keeps the speaker filter in the player's address", () => {
    const speaker = "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60";
    const state = parseSearchState(new URLSearchParams(`speaker=${speaker}`));
    const named = hit({
      type: "transcript",
      start_ms: 0,
      end_ms: 900,
      text: "hello",
      speaker: { id: speaker, name: "Ada", number: 1 },
    });
    const unnamed = hit({
      type: "transcript",
      start_ms: 1000,
      end_ms: 1900,
      text: "hi",
      speaker: { id: speaker, name: null, number: 2 },
    });
    renderWith(<ResultList hits={[named, unnamed]} state={state} />);
    const [first, second] = screen.getAllByRole("link");
    expect(first?.textContent).toContain("Transcript · said by Ada · sample.mp4 · 0:00.0");
    expect(first?.querySelector(".said-by")?.textContent).toBe(" · said by Ada");
    expect(second?.textContent).toContain("Transcript · said by Speaker 2 · sample.mp4");
    expect(first?.getAttribute("href")).toBe(`/videos/${named.video_id}?speaker=${speaker}&t=0.000`);
  });

  it("says which hits matched a quoted phrase and which a close spelling, and speech's language", () => {
    const state = parseSearchState(new URLSearchParams("q=rénovation"));
    const phrase = hit({ type: "transcript", start_ms: 0, end_ms: 900, text: "a b", match: "phrase", language: "fr" });
    const fuzzy = hit({ type: "ocr", start_ms: 1000, end_ms: 1900, text: "RENOVATON", match: "fuzzy" });
    renderWith(<ResultList hits={[phrase, fuzzy]} state={state} />);
    const [first, second] = screen.getAllByRole("link");
    expect(first?.textContent).toContain("Transcript (French) · sample.mp4");
    expect(first?.querySelector(".badge")?.textContent).toBe("Phrase");
    expect(second?.querySelector(".badge")?.textContent).toBe("Close spelling");
  });
});
