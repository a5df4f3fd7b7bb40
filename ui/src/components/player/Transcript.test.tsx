// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { PlayerClock } from "../../lib/clock";
import { hit, renderWith, seedMoments, testQueryClient } from "../../testing";
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
