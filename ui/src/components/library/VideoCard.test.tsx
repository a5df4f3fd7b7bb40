// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Video } from "../../api/types";
import { renderWith } from "../../testing";
import { VideoCard } from "./VideoCard";

afterEach(cleanup);

const video = (status: Video["status"], extra: Partial<Video> = {}): Video => ({
  id: "0f8fad5b-d9cb-469f-a165-70867728950e",
  root: "/media",
  path: "holiday/beach\u202Egpj.mp4",
  size: 1000,
  mtime: 0,
  content_hash: "h",
  status,
  error: null,
  duration_ms: 14_000,
  fps: 25,
  width: 320,
  height: 240,
  has_audio: true,
  discovered_at: "2026-01-01T00:00:00Z",
  missing_since: null,
  locations: [],
  ...extra,
});

describe("a video in the library", () => {
  it("shows a ready video's thumbnail, its name as it is, and links to its page", () => {
    const { container } = renderWith(<VideoCard video={video("ready")} tasks={[]} tasksError={null} />);
    expect(container.querySelector("img")?.getAttribute("src")).toBe(
      "/api/v1/videos/0f8fad5b-d9cb-469f-a165-70867728950e/thumbnail?t_ms=1000&width=240",
    );
    const link = screen.getByRole("link", { name: "beach<U+202E>gpj.mp4" });
    expect(link.getAttribute("href")).toBe("/videos/0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(container.querySelector(".meta")?.textContent).toBe("0:14 · holiday/beach<U+202E>gpj.mp4");
  });

  it("shows a missing video as missing, not as unplayable", () => {
    const { container } = renderWith(
      <VideoCard video={video("missing", { missing_since: "2026-02-01T00:00:00Z" })} tasks={[]} tasksError={null} />,
    );
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".no-thumb")?.textContent).toBe("missing");
    expect(container.textContent).toMatch(
      /Missing: no file of this video is left \(since .+\); its results are kept\./,
    );
    expect(container.textContent).not.toContain("not playable");
  });

  it("says why an invalid file cannot be played", () => {
    const { container } = renderWith(
      <VideoCard video={video("invalid", { error: "no video stream" })} tasks={[]} tasksError={null} />,
    );
    expect(container.querySelector(".no-thumb")?.textContent).toBe("not playable");
    expect(screen.getByRole("alert").textContent).toBe("Invalid: no video stream");
  });
});
