import type { Task } from "../api/types";
import { chipText, tasksInLaneOrder } from "../lib/tasks";
import { ErrorNotice } from "./ErrorNotice";

/** One chip: the state in words (never colour alone) and, while it runs, a progress bar. */
export function StatusChip({ task }: { task: Task }) {
  const text = chipText(task);
  return (
    <li className={`chip ${task.status.toLowerCase()}`} title={task.error ?? text}>
      {text}
      {task.status === "RUNNING" && (
        <progress max={1} value={Number(task.progress.toFixed(3))} aria-label={`${text} progress`} />
      )}
    </li>
  );
}

/** A video's analyses, one chip each in lane order (the newest task of each wins). */
export function StatusChips({ tasks, error }: { tasks: readonly Task[] | undefined; error?: unknown }) {
  return (
    <ul className="chips" aria-label="Analyses">
      {error ? (
        <li>
          <ErrorNotice error={error} />
        </li>
      ) : (
        tasksInLaneOrder(tasks ?? []).map((task) => <StatusChip key={task.id} task={task} />)
      )}
    </ul>
  );
}
