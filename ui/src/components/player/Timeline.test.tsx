// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ANALYSES } from "../../lib/analyses";
import { PlayerClock } from "../../lib/clock";
import { hit, renderWith, seedMoments, testQueryClient } from "../../testing";
import { Timeline } from "./Timeline";

afterEach(cleanup);

const VIDEO = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("the timeline", () => {
  it("has the six analyses' lanes in their order, then the people's, named by the person moments", () => {
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
    expect(lanes).toEqual([...ANALYSES.map((a) => `${a.name} lane`), "People lane"]);
    expect(screen.getByRole("button", { name: "People: Ada Lovelace at 0:02.0" })).toBeTruthy();
  });
});
