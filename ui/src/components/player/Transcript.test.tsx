// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { PlayerClock } from "../../lib/clock";
import { fakeApi, hit, renderWith, seedMoments, testQueryClient } from "../../testing";
import { Transcript } from "./Transcript";

afterEach(cleanup);

const VIDEO = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("the transcript", () => {
  it("marks the segment being played and follows the clock; a segment seeks there", () => {
    const queryClient = testQueryClient();
    seedMoments(queryClient, VIDEO, "transcript", [
      hit({ type: "transcript", start_ms: 2000, end_ms: 4000, text: "over the lazy dog" }),
      hit({ type: "transcript", start_ms: 300, end_ms: 2000, text: "the quick brown fox" }),
    ]);
    const clock = new PlayerClock(500);
    const seeks: number[] = [];
    renderWith(<Transcript videoId={VIDEO} clock={clock} onSeek={(ms) => seeks.push(ms)} onPick={() => undefined} />, {
      queryClient,
    });
    const segments = screen.getAllByRole("button");
    expect(segments.map((s) => s.textContent)).toEqual(["0:00.3 the quick brown fox", "0:02.0 over the lazy dog"]);
    expect(segments.map((s) => s.getAttribute("aria-current"))).toEqual(["true", null]);
    act(() => clock.set(2500));
    expect(segments.map((s) => s.getAttribute("aria-current"))).toEqual([null, "true"]);
    act(() => clock.set(9000));
    expect(segments.map((s) => s.getAttribute("aria-current"))).toEqual([null, null]);
    fireEvent.click(segments[1]!);
    expect(seeks).toEqual([2000]);
  });

  it("keeps the segment being played in view, scrolling only when another one plays", () => {
    const scrolled: string[] = [];
    // jsdom has no scrollIntoView: the test gives elements one that notes who was scrolled to.
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this.textContent ?? "");
    };
    try {
      const queryClient = testQueryClient();
      seedMoments(queryClient, VIDEO, "transcript", [
        hit({ type: "transcript", start_ms: 0, end_ms: 2000, text: "one" }),
        hit({ type: "transcript", start_ms: 2000, end_ms: 4000, text: "two" }),
      ]);
      const clock = new PlayerClock(500);
      renderWith(<Transcript videoId={VIDEO} clock={clock} onSeek={() => undefined} onPick={() => undefined} />, {
        queryClient,
      });
      expect(scrolled).toEqual(["0:00.0 one"]);
      act(() => clock.set(1500));
      expect(scrolled).toEqual(["0:00.0 one"]); // the same segment: no scroll
      act(() => clock.set(2500));
      expect(scrolled).toEqual(["0:00.0 one", "0:02.0 two"]);
    } finally {
      delete (Element.prototype as Partial<Element>).scrollIntoView;
    }
  });

  it("says who speaks once a run of their lines, and in every line's own name for screen readers", () => {
    const queryClient = testQueryClient();
    const ada = { id: "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60", name: "Ada Lovelace", number: 1 };
    const two = { id: "9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f", name: null, number: 2 };
    seedMoments(queryClient, VIDEO, "transcript", [
      hit({ type: "transcript", start_ms: 0, end_ms: 1000, text: "Welcome.", speaker: ada }),
      hit({ type: "transcript", start_ms: 1000, end_ms: 2000, text: "Sit down.", speaker: ada }),
      hit({ type: "transcript", start_ms: 2000, end_ms: 3000, text: "Thank you.", speaker: two }),
      hit({ type: "transcript", start_ms: 3000, end_ms: 3500, text: "Hm.", speaker: null }),
      hit({ type: "transcript", start_ms: 4000, end_ms: 5000, text: "So.", speaker: ada }),
    ]);
    renderWith(
      <Transcript videoId={VIDEO} clock={new PlayerClock(0)} onSeek={() => undefined} onPick={() => undefined} />,
      { queryClient },
    );
    const lines = [...document.querySelectorAll(".transcript-list > li")];
    expect(lines.map((li) => li.querySelector(".speaker-label .name-button")?.textContent ?? null)).toEqual([
      "Ada Lovelace (rename)",
      null,
      "Speaker 2 (rename)",
      null,
      "Ada Lovelace (rename)",
    ]);
    expect(lines.map((li) => li.querySelector(".segment")?.textContent)).toEqual([
      "0:00.0 Ada Lovelace: Welcome.",
      "0:01.0 Ada Lovelace: Sit down.",
      "0:02.0 Speaker 2: Thank you.",
      "0:03.0 Hm.",
      "0:04.0 Ada Lovelace: So.",
    ]);
    expect(screen.getAllByRole("button", { name: /^0:0/ })).toHaveLength(5);
  });

  it("names a speaker in place from their label", async () => {
    const two = { id: "9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f", name: null, number: 2 };
    const named = { ...two, name: "Bob", segments: 1, videos: 1, person_id: null, suggestion: null };
    const api = fakeApi(() => ({ status: 200, body: named }));
    try {
      const queryClient = testQueryClient();
      seedMoments(queryClient, VIDEO, "transcript", [
        hit({ type: "transcript", start_ms: 0, end_ms: 1000, text: "Thank you.", speaker: two }),
      ]);
      renderWith(
        <Transcript videoId={VIDEO} clock={new PlayerClock(0)} onSeek={() => undefined} onPick={() => undefined} />,
        { queryClient },
      );
      fireEvent.click(screen.getByRole("button", { name: "Speaker 2 (rename)" }));
      const field = screen.getByRole<HTMLInputElement>("textbox", { name: "Name" });
      fireEvent.change(field, { target: { value: "Bob" } });
      fireEvent.submit(field.form as HTMLFormElement);
      await waitFor(() => expect(screen.queryByRole("textbox", { name: "Name" })).toBeNull());
      expect(api.asked).toContainEqual({
        method: "PUT",
        path: `/api/v1/speakers/${two.id}`,
        query: "",
        body: { name: "Bob" },
      });
      // The transcript is read again, so its lines say the new name.
      expect(queryClient.getQueryState(["moments", VIDEO, "transcript"])?.isInvalidated).toBe(true);
    } finally {
      api.stop();
    }
  });

  it("says when nothing was said", () => {
    const queryClient = testQueryClient();
    seedMoments(queryClient, VIDEO, "transcript", []);
    renderWith(
      <Transcript videoId={VIDEO} clock={new PlayerClock()} onSeek={() => undefined} onPick={() => undefined} />,
      {
        queryClient,
      },
    );
    expect(screen.getByText("Nothing was said, or the transcript is not ready.")).toBeTruthy();
  });
});
