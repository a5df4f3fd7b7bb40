// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createRef } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { Video } from "../../api/types";
import { PlayerClock } from "../../lib/clock";
import { VideoPlayer } from "./VideoPlayer";

afterEach(cleanup);

const video: Video = {
  id: "0f8fad5b-d9cb-469f-a165-70867728950e",
  root: "/media",
  path: "clips/sample.mp4",
  size: 1000,
  mtime: 0,
  content_hash: "h",
  status: "ready",
  error: null,
  duration_ms: 14_000,
  fps: 25,
  width: 320,
  height: 240,
  has_audio: true,
  discovered_at: "2026-01-01T00:00:00Z",
  missing_since: null,
  locations: [],
};

describe("the player", () => {
  it("says over the picture why the video cannot be played, leaving the rest of the page where it was", () => {
    const { container } = render(
      <VideoPlayer video={video} name="sample.mp4" clock={new PlayerClock()} startMs={null} videoRef={createRef()} />,
    );
    expect(screen.queryByRole("alert")).toBeNull();
    fireEvent.error(screen.getByLabelText("Video: sample.mp4"));
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe("The video cannot be played: the browser could not play it.");
    expect(container.querySelector(".frame")?.contains(alert)).toBe(true);
  });
});
