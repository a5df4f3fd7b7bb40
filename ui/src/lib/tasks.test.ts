import { describe, expect, it } from "vitest";
import {
  actionFor,
  anyActive,
  bulkConfirmation,
  bulkOutcome,
  chipText,
  discoveryText,
  groupByVideo,
  stateText,
  taskLabel,
  tasksInLaneOrder,
  tasksLimit,
} from "./tasks";

describe("tasks", () => {
  it("says a task's state, with progress while it runs", () => {
    expect(chipText({ task_type: "transcription", status: "RUNNING", progress: 0.449 })).toBe(
      "Transcript: running 45%",
    );
    expect(chipText({ task_type: "ocr", status: "FAILED", progress: 0 })).toBe("On-screen text: failed");
    expect(stateText({ task_type: "ocr", status: "RUNNING", progress: 0.5 })).toBe("running 50%");
    expect(anyActive([{ task_type: "ocr", status: "COMPLETED", progress: 1 }])).toBe(false);
    expect(anyActive([{ task_type: "ocr", status: "PENDING", progress: 0 }])).toBe(true);
  });

  it("orders tasks as the lanes are ordered, the newest of each analysis winning", () => {
    const task = (task_type: string, status: "COMPLETED" | "FAILED" = "COMPLETED") => ({
      task_type,
      status,
      progress: 1,
    });
    const ordered = tasksInLaneOrder([
      task("place_detection"),
      task("scene_detection", "FAILED"),
      task("ocr"),
      task("scene_detection"),
    ]);
    expect(ordered.map((t) => `${t.task_type}:${t.status}`)).toEqual([
      "scene_detection:COMPLETED",
      "ocr:COMPLETED",
      "place_detection:COMPLETED",
    ]);
  });

  it("asks for the tasks of every video on a page in one listing", () => {
    expect(tasksLimit(3)).toBeGreaterThanOrEqual(3 * 6);
    expect(tasksLimit(100)).toBe(500);
    expect(tasksLimit(0)).toBe(1);
  });

  it("groups a listing by video, in the order listed", () => {
    const task = (video_id: string, task_type: string) => ({ video_id, task_type });
    const grouped = groupByVideo([task("a", "ocr"), task("b", "ocr"), task("a", "scene_detection")]);
    expect([...grouped.keys()]).toEqual(["a", "b"]);
    expect(grouped.get("a")?.map((t) => t.task_type)).toEqual(["ocr", "scene_detection"]);
    expect(grouped.get("c")).toBeUndefined();
  });

  it("offers the action a status allows, and says what bulk actions will do and did", () => {
    expect(actionFor("FAILED")).toBe("retry");
    expect(actionFor("CANCELLED")).toBe("retry");
    expect(actionFor("RUNNING")).toBe("cancel");
    expect(actionFor("COMPLETED")).toBeNull();
    expect(bulkConfirmation("retry", 12, "FAILED", "Transcript")).toBe(
      "Retry all 12 failed Transcript tasks? Each is queued again as a new attempt.",
    );
    expect(bulkConfirmation("cancel", 1, "PENDING")).toBe("Cancel all 1 pending task? Running ones are stopped.");
    expect(bulkOutcome(3, [], "retry")).toBe("3 tasks queued again.");
    expect(bulkOutcome(3, ["Scenes task 1: Conflict"], "cancel")).toBe("2 done; 1 refused: Scenes task 1: Conflict");
    expect(taskLabel({ task_type: "scene_detection", id: "0123456789abcdef" })).toBe("Scenes task 01234567");
    expect(discoveryText({ scanned: 3, new: ["a"], changed: [], tasks_created: 6 })).toBe(
      "Scanned 3 files: 1 new, 0 changed, 6 tasks created.",
    );
  });
});
