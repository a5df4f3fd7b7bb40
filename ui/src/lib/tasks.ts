// Tasks as the chips and the work page show them.
import type { TaskStatus } from "../api/types";
import { ANALYSES, taskName } from "./analyses";

export interface TaskLike {
  task_type: string;
  status: TaskStatus;
  progress: number;
  error?: string | null;
}

/** What a status chip says: "Transcript: running 45%". */
export function chipText(task: TaskLike): string {
  const state = task.status.toLowerCase();
  if (task.status === "RUNNING") return `${taskName(task.task_type)}: ${state} ${Math.round(task.progress * 100)}%`;
  return `${taskName(task.task_type)}: ${state}`;
}

/** Whether a list of tasks still changes (so the page keeps polling). */
export function anyActive(tasks: readonly TaskLike[]): boolean {
  return tasks.some((t) => t.status === "PENDING" || t.status === "RUNNING");
}

/** How many tasks one listing of the tasks of these videos asks for: six a video, twice over, at most 500. */
export function tasksLimit(videoCount: number): number {
  return Math.min(500, Math.max(1, videoCount * 6 * 2));
}

/** Tasks by their video, in the order listed. */
export function groupByVideo<T extends { video_id: string }>(tasks: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const task of tasks) {
    const own = out.get(task.video_id);
    if (own) own.push(task);
    else out.set(task.video_id, [task]);
  }
  return out;
}

/** Tasks in lane order, one per analysis: the last listed wins (a video's tasks come oldest first). */
export function tasksInLaneOrder<T extends TaskLike>(tasks: readonly T[]): T[] {
  const out: T[] = [];
  for (const a of ANALYSES) {
    const found = tasks.filter((t) => t.task_type === a.task);
    const last = found[found.length - 1];
    if (last) out.push(last);
  }
  return out;
}

/** A task's state on the work page: "running 45%". */
export function stateText(task: TaskLike): string {
  return task.status.toLowerCase() + (task.status === "RUNNING" ? ` ${Math.round(task.progress * 100)}%` : "");
}

/** What the work page asks before acting on every task of a status (and an analysis). */
export function bulkConfirmation(action: "retry" | "cancel", total: number, status: string, analysis?: string): string {
  const what = `${total} ${status.toLowerCase()}${analysis ? ` ${analysis}` : ""} task${total === 1 ? "" : "s"}`;
  return action === "retry"
    ? `Retry all ${what}? Each is queued again as a new attempt.`
    : `Cancel all ${what}? Running ones are stopped.`;
}

/** Which action tasks of a status allow: retry the failed and cancelled, cancel the pending and running. */
export function actionFor(status: TaskStatus): "retry" | "cancel" | null {
  if (status === "FAILED" || status === "CANCELLED") return "retry";
  if (status === "PENDING" || status === "RUNNING") return "cancel";
  return null;
}

/** A task named for people: "Scenes task 1a2b3c4d". */
export function taskLabel(task: { task_type: string; id: string }): string {
  return `${taskName(task.task_type)} task ${task.id.slice(0, 8)}`;
}

/** What a scan found: "Scanned 12 files: 1 new, 0 changed, 6 tasks created." */
export function discoveryText(found: {
  scanned: number;
  new: readonly string[];
  changed: readonly string[];
  tasks_created: number;
}): string {
  return `Scanned ${found.scanned} files: ${found.new.length} new, ${found.changed.length} changed, ${found.tasks_created} tasks created.`;
}

/** What a bulk action on the selected tasks says: all done, or how many were refused and why. */
export function bulkOutcome(chosen: number, failures: readonly string[], action: "retry" | "cancel"): string {
  return failures.length
    ? `${chosen - failures.length} done; ${failures.length} refused: ${failures.join("; ")}`
    : `${chosen} tasks ${action === "retry" ? "queued again" : "cancelled"}.`;
}

/** What an action on one task did: "queued again" or "cancelled". */
export function doneText(action: "retry" | "cancel"): string {
  return action === "retry" ? "queued again" : "cancelled";
}
