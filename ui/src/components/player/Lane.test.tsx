// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ANALYSES } from "../../lib/analyses";
import { PlayerClock } from "../../lib/clock";
import type { Selected } from "../../lib/moments";
import { hit, renderWith, seedMoments, testQueryClient } from "../../testing";
import { Lane } from "./Lane";

afterEach(cleanup);

const VIDEO = "0f8fad5b-d9cb-469f-a165-70867728950e";
const objects = ANALYSES.find((a) => a.moment === "object")!;

function lane() {
  const queryClient = testQueryClient();
  seedMoments(queryClient, VIDEO, "object", [
    hit({ start_ms: 6000, end_ms: 8000, text: "cat" }),
    hit({ start_ms: 8000, end_ms: 10_000, text: "cup" }),
    hit({ start_ms: 12_000, end_ms: 13_000, text: "dog" }),
  ]);
  const seeks: number[] = [];
  const picks: Selected[] = [];
  const clock = new PlayerClock();
  const view = renderWith(
    <Lane
      videoId={VIDEO}
      analysis={objects}
      durationMs={20_000}
      clock={clock}
      onSeek={(ms) => seeks.push(ms)}
      onPick={(s) => picks.push(s)}
    />,
    { queryClient },
  );
  return { view, seeks, picks, clock };
}

describe("a timeline lane", () => {
  it("places a named button per moment; a click seeks there and selects it", () => {
    const { seeks, picks } = lane();
    const cat = screen.getByRole("button", { name: "Objects: cat at 0:06.0" });
    expect(cat.style.left).toBe("30%");
    expect(cat.style.width).toBe("10%");
    fireEvent.click(screen.getByRole("button", { name: "Objects: cup at 0:08.0" }));
    expect(seeks).toEqual([8000]);
    expect(picks[0]).toMatchObject({ what: "Objects: cup at 0:08.0", runId: "run-1", span: { start_ms: 8000 } });
  });

  it("is one tab stop, and the arrow keys move along it", () => {
    lane();
    const buttons = screen.getAllByRole("button");
    expect(buttons.map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    buttons[0]?.focus();
    fireEvent.keyDown(buttons[0]!, { key: "ArrowRight" });
    expect(document.activeElement).toBe(buttons[1]);
    expect(screen.getAllByRole("button").map((b) => b.tabIndex)).toEqual([-1, 0, -1]);
    fireEvent.keyDown(buttons[1]!, { key: "End" });
    expect(document.activeElement).toBe(buttons[2]);
  });

  it("moves its playhead with the clock", () => {
    const { view, clock } = lane();
    const head = view.container.querySelector<HTMLElement>(".playhead");
    expect(head?.style.left).toBe("0%");
    act(() => clock.set(5000));
    expect(head?.style.left).toBe("25%");
  });
});
