// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Task } from "../api/types";
import { StatusChips } from "./StatusChips";

afterEach(cleanup);

function task(task_type: Task["task_type"], status: Task["status"], progress = 0): Task {
  return {
    id: `${task_type}-${status}`,
    video_id: "v",
    task_type,
    status,
    queue: "cpu_jobs",
    attempt: 1,
    job_id: null,
    config: {},
    config_hash: "h",
    progress,
    eta_s: null,
    error: status === "FAILED" ? "boom" : null,
    error_kind: null,
    correlation_id: "c",
    created_at: "2026-01-01T00:00:00Z",
    enqueued_at: null,
    started_at: null,
    heartbeat_at: null,
    completed_at: null,
    running_time_ms: null,
    waiting_reason: null,
    waiting_since: null,
  };
}

describe("status chips", () => {
  it("says each analysis's state in words, in lane order, with progress while it runs", () => {
    render(
      <StatusChips
        tasks={[task("ocr", "FAILED"), task("transcription", "RUNNING", 0.25), task("scene_detection", "COMPLETED")]}
      />,
    );
    const chips = screen.getAllByRole("listitem");
    expect(chips.map((c) => c.textContent)).toEqual([
      "Scenes: completed",
      "Transcript: running 25%",
      "On-screen text: failed",
    ]);
    expect(chips[2]?.getAttribute("title")).toBe("boom");
    expect(chips[2]?.className).toBe("chip failed");
    expect(screen.getByRole("progressbar", { name: "Transcript: running 25% progress" })).toBeTruthy();
  });

  it("says why there are no chips", () => {
    render(<StatusChips tasks={undefined} error={new Error("The API cannot be reached")} />);
    expect(screen.getByRole("alert").textContent).toBe("The API cannot be reached");
  });
});
