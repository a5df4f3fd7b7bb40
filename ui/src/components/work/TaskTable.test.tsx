// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Task } from "../../api/types";
import { renderWith } from "../../testing";
import { TaskTable } from "./TaskTable";

afterEach(cleanup);

const failed = (id: string, task_type: Task["task_type"]) =>
  ({
    id,
    video_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    task_type,
    status: "FAILED",
    attempt: 1,
    progress: 0,
    error: "ML service answered 500",
    error_kind: "transient",
    running_time_ms: 1200,
  }) as Task;

describe("the work page's tasks", () => {
  it("names each task's action, links its video, and selects a page at once", () => {
    const messages: string[] = [];
    renderWith(
      <TaskTable
        tasks={[failed("1a2b3c4d-0000", "scene_detection"), failed("5e6f7a8b-0000", "ocr")]}
        total={7}
        status="FAILED"
        taskType=""
        say={(m) => messages.push(m)}
      />,
    );
    expect(screen.getByRole("button", { name: "Retry Scenes task 1a2b3c4d" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "On-screen text" }).getAttribute("href")).toBe(
      "/videos/0f8fad5b-d9cb-469f-a165-70867728950e",
    );
    expect(screen.getByRole("button", { name: "Retry all 7 failed tasks" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry selected" }));
    expect(messages).toEqual(["Select one or more tasks first."]);
    fireEvent.click(screen.getByRole("checkbox", { name: "Select all tasks on this page" }));
    const boxes = screen.getAllByRole<HTMLInputElement>("checkbox");
    expect(boxes.map((b) => b.checked)).toEqual([true, true, true]);
    expect(screen.getAllByRole("row")[1]?.textContent).toContain("transient");
  });

  it("offers no action on completed tasks", () => {
    renderWith(
      <TaskTable
        tasks={[{ ...failed("1", "ocr"), status: "COMPLETED" }]}
        total={1}
        status="COMPLETED"
        taskType=""
        say={() => undefined}
      />,
    );
    expect(screen.queryAllByRole("button")).toEqual([]);
  });
});
