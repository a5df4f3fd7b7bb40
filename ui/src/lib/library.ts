// What the library shows of a video before it is opened.
import type { VideoStatus } from "../api/types";

/** Whether a thumbnail can be drawn, or the word that stands in for it. */
export function thumbnailOf(status: VideoStatus): { kind: "thumbnail" } | { kind: "placeholder"; text: string } {
  switch (status) {
    case "ready":
      return { kind: "thumbnail" };
    case "missing":
      return { kind: "placeholder", text: "missing" };
    case "invalid":
      return { kind: "placeholder", text: "not playable" };
  }
}

/** The frame a thumbnail shows: a second in, or the middle of a shorter video. */
export function thumbnailTime(durationMs: number | null): number {
  return Math.min(1000, (durationMs ?? 0) / 2);
}

/** What an empty library page says. */
export function emptyText(filtered: boolean): string {
  return filtered ? "No video matches these filters." : "No videos yet: add some to a media folder.";
}
