// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Artifact } from "../../api/types";
import { PlayerClock } from "../../lib/clock";
import { hit, renderWith, seedMoments, testQueryClient } from "../../testing";
import { BoxesOverlay, LiveBoxes } from "./BoxesOverlay";
import { InPicture, LiveInPicture } from "./InPicture";

afterEach(cleanup);

const face = (id: string) =>
  ({
    id,
    video_id: "v",
    task_id: "t",
    schema_version: 1,
    created_at: "2026-01-01T00:00:00Z",
    provenance: {},
    span_start_ms: 3000,
    span_end_ms: 3500,
    artifact_type: "face",
    payload: { frame_index: 75, timestamp_ms: 3000, confidence: 0.99, bbox: { x1: 10, y1: 10, x2: 60, y2: 60 } },
  }) as unknown as Artifact;

describe("names on face boxes", () => {
  const names = new Map([["f1", "Ada Lovelace"]]);

  it("labels a named face box with the person's name, and another face as a face", () => {
    const { container } = render(
      <BoxesOverlay items={[face("f1"), face("f2")]} width={320} height={240} names={names} />,
    );
    const boxes = [...container.querySelectorAll(".box.face")];
    expect(boxes.map((b) => [b.textContent, b.classList.contains("named")])).toEqual([
      ["Ada Lovelace", true],
      ["face", false],
    ]);
  });

  it("names the face in the list of what is in the picture", () => {
    render(<InPicture items={[face("f1")]} onPick={() => undefined} names={names} />);
    expect(screen.getByRole("button", { name: "Face: Ada Lovelace" })).toBeTruthy();
  });
});

describe("the player's faces named from the video's person moments", () => {
  it("names the face box on screen with the person moment covering its time, on the picture and in the list", async () => {
    const queryClient = testQueryClient();
    queryClient.setQueryData(["boxed", "v", 0], [face("f1")]);
    seedMoments(queryClient, "v", "person", [
      hit({ type: "person", text: "Ada Lovelace", start_ms: 2000, end_ms: 4000 }),
    ]);
    const clock = new PlayerClock(3100);
    const { container } = renderWith(
      <>
        <LiveBoxes videoId="v" clock={clock} width={320} height={240} />
        <LiveInPicture videoId="v" clock={clock} onPick={() => undefined} />
      </>,
      { queryClient },
    );
    await waitFor(() => expect(container.querySelector(".box.face.named")?.textContent).toBe("Ada Lovelace"));
    expect(screen.getByRole("button", { name: "Face: Ada Lovelace" })).toBeTruthy();
  });
});
