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
