import { useState } from "react";
import { Link } from "react-router";
import { useBulkAction, useTaskAction } from "../../api/queries";
import { messageOf } from "../../api/problem";
import type { Task, TaskStatus, TaskType } from "../../api/types";
import { taskName } from "../../lib/analyses";
import { formatDuration } from "../../lib/format";
import { actionFor, bulkConfirmation, bulkOutcome, doneText, stateText, taskLabel } from "../../lib/tasks";

interface Props {
  tasks: readonly Task[];
  total: number;
  status: TaskStatus;
  taskType: TaskType | "";
  say: (message: string) => void;
}

interface RowProps {
  task: Task;
  action: "retry" | "cancel" | null;
  checked: boolean;
  done: boolean;
  busy: boolean;
  onCheck: (checked: boolean) => void;
  onAct: () => void;
}

function TaskRow({ task, action, checked, done, busy, onCheck, onAct }: RowProps) {
  const label = taskLabel(task);
  return (
    <tr>
      <td>
        <input
          type="checkbox"
          checked={checked && !done}
          disabled={done}
          aria-label={`Select ${label}`}
          onChange={(e) => onCheck(e.currentTarget.checked)}
        />
      </td>
      <td>
        <Link to={`/videos/${task.video_id}`}>{taskName(task.task_type)}</Link>
      </td>
      <td>{done && action ? doneText(action) : stateText(task)}</td>
      <td>{task.attempt}</td>
      <td>{task.error_kind ?? ""}</td>
      <td className="error-text">{task.error ?? ""}</td>
      <td>{formatDuration(task.running_time_ms)}</td>
      <td>
        {action && (
          <button
            type="button"
            disabled={done || busy}
            aria-label={`${action === "retry" ? "Retry" : "Cancel"} ${label}`}
            onClick={onAct}
          >
            {action === "retry" ? "Retry" : "Cancel"}
          </button>
        )}
      </td>
    </tr>
  );
}

/** The tasks of a status (and analysis), each retried or cancelled alone, the selected ones, or all the filters select. */
export function TaskTable({ tasks, total, status, taskType, say }: Props) {
  const action = actionFor(status);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [done, setDone] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const one = useTaskAction();
  const every = useBulkAction();
  const markDone = (ids: readonly string[]) => setDone((d) => new Set([...d, ...ids]));
  const setIn = (set: ReadonlySet<string>, id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };

  /** One task; null when it went through, else what was refused. */
  const act = async (task: Task): Promise<string | null> => {
    if (!action) return null;
    setBusy((b) => setIn(b, task.id, true));
    try {
      await one.mutateAsync({ task, action });
      markDone([task.id]);
      return null;
    } catch (error) {
      return `${taskLabel(task)}: ${messageOf(error)}`;
    } finally {
      setBusy((b) => setIn(b, task.id, false));
    }
  };

  const actOnOne = async (task: Task) => {
    const failed = await act(task);
    say(failed ?? `${taskLabel(task)}: ${action ? doneText(action) : ""}.`);
  };

  const actOnSelected = async () => {
    const chosen = tasks.filter((t) => checked.has(t.id) && !done.has(t.id));
    if (!chosen.length || !action) {
      say("Select one or more tasks first.");
      return;
    }
    const failures = (await Promise.all(chosen.map(act))).filter((f): f is string => f !== null);
    setChecked(new Set());
    say(bulkOutcome(chosen.length, failures, action));
  };

  const actOnEvery = () => {
    if (!action) return;
    const analysis = taskType ? taskName(taskType) : undefined;
    if (!window.confirm(bulkConfirmation(action, total, status, analysis))) return;
    every.mutate(
      { action, status, taskType },
      {
        onSuccess: (result) => {
          markDone(result.task_ids);
          say(`${result.changed} of ${result.matched} tasks ${doneText(action)}.`);
        },
        onError: (error) => say(messageOf(error)),
      },
    );
  };

  const allChecked = tasks.length > 0 && tasks.every((t) => checked.has(t.id));
  const verb = action === "retry" ? "Retry" : "Cancel";
  const everyName = `${verb} all ${total} ${status.toLowerCase()}${taskType ? ` ${taskName(taskType)}` : ""} tasks`;
  return (
    <>
      <table className="tasks">
        <caption>{status.toLowerCase()} tasks</caption>
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all tasks on this page"
                checked={allChecked}
                onChange={(e) => setChecked(e.currentTarget.checked ? new Set(tasks.map((t) => t.id)) : new Set())}
              />
            </th>
            {["Analysis", "Status", "Attempt", "Error kind", "Error", "Running time", "Action"].map((t) => (
              <th key={t} scope="col">
                {t}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <TaskRow
              key={task.id}
              task={task}
              action={action}
              checked={checked.has(task.id)}
              done={done.has(task.id)}
              busy={busy.has(task.id)}
              onCheck={(on) => setChecked((c) => setIn(c, task.id, on))}
              onAct={() => void actOnOne(task)}
            />
          ))}
        </tbody>
      </table>
      {action && (
        <div className="actions">
          <button type="button" onClick={() => void actOnSelected()}>
            {verb} selected
          </button>
          <button type="button" className="quiet" disabled={every.isPending} onClick={actOnEvery}>
            {everyName}
          </button>
        </div>
      )}
    </>
  );
}
