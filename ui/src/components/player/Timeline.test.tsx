// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ANALYSES } from "../../lib/analyses";
import { PlayerClock } from "../../lib/clock";
import type { Selected } from "../../lib/moments";
import { hit, renderWith, seedMoments, testQueryClient } from "../../testing";
import { Timeline } from "./Timeline";

afterEach(cleanup);

const VIDEO = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("the timeline", () => {
  it("has the six analyses' lanes in their order, then the people's, named by the person moments, then the speakers'", () => {
    const queryClient = testQueryClient();
    for (const a of ANALYSES) seedMoments(queryClient, VIDEO, a.moment, []);
    seedMoments(queryClient, VIDEO, "person", [
      hit({ type: "person", text: "Ada Lovelace", start_ms: 2000, end_ms: 4000 }),
    ]);
    renderWith(
      <Timeline
        videoId={VIDEO}
        durationMs={14_000}
        clock={new PlayerClock()}
        onSeek={() => undefined}
        onPick={() => undefined}
      />,
      { queryClient },
    );
    const lanes = screen.getAllByRole("toolbar").map((t) => t.getAttribute("aria-label"));
    expect(lanes).toEqual([...ANALYSES.map((a) => `${a.name} lane`), "People lane", "Speakers lane"]);
    expect(screen.getByRole("button", { name: "People: Ada Lovelace at 0:02.0" })).toBeTruthy();
  });
});

describe("the speakers lane", () => {
  it("has a band per speaker turn, named and coloured after the speaker; a band seeks to the turn", () => {
    const queryClient = testQueryClient();
    for (const a of ANALYSES) seedMoments(queryClient, VIDEO, a.moment, []);
    seedMoments(queryClient, VIDEO, "person", []);
    const ada = { id: "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60", name: "Ada Lovelace", number: 1 };
    const two = { id: "9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f", name: null, number: 2 };
    seedMoments(queryClient, VIDEO, "transcript", [
      hit({ type: "transcript", start_ms: 2800, end_ms: 4000, text: "c", speaker: two }),
      hit({ type: "transcript", start_ms: 0, end_ms: 1400, text: "a", speaker: ada }),
      hit({ type: "transcript", start_ms: 1400, end_ms: 2800, text: "b", speaker: ada }),
      hit({ type: "transcript", start_ms: 4000, end_ms: 7000, text: "d", speaker: ada }),
    ]);
    const seeks: number[] = [];
    const picks: Selected[] = [];
    renderWith(
      <Timeline
        videoId={VIDEO}
        durationMs={14_000}
        clock={new PlayerClock()}
        onSeek={(ms) => seeks.push(ms)}
        onPick={(s) => picks.push(s)}
      />,
      { queryClient },
    );
    const bands = within(screen.getByRole("toolbar", { name: "Speakers lane" })).getAllByRole("button");
    expect(bands.map((b) => b.title)).toEqual([
      "Speakers: Ada Lovelace at 0:00.0",
      "Speakers: Speaker 2 at 0:02.8",
      "Speakers: Ada Lovelace at 0:04.0",
    ]);
    expect(bands.map((b) => b.style.width)).toEqual(["20%", "8.5714%", "21.4286%"]);
    expect(bands[0]?.style.background).toBe(bands[2]?.style.background);
    expect(bands[0]?.style.background).not.toBe(bands[1]?.style.background);
    fireEvent.click(bands[1]!);
    expect(seeks).toEqual([2800]);
    expect(picks[0]).toMatchObject({ what: "Speakers: Speaker 2 at 0:02.8", span: { start_ms: 2800, end_ms: 4000 } });
  });
});
