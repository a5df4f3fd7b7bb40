import type { FormEvent } from "react";
import { useNavigate } from "react-router";
import { ANALYSES, isTaskStatus, isTaskType, STATUSES } from "../../lib/analyses";
import { formText } from "../../lib/forms";
import { type WorkState, workHref } from "../../lib/urls";
import { SelectField } from "../SelectField";

/** Which tasks to list: a status and an analysis, kept in the address. */
export function TaskFilters({ state }: { state: WorkState }) {
  const navigate = useNavigate();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const status = formText(form, "task-status");
    const taskType = formText(form, "task-type");
    void navigate(workHref(isTaskStatus(status) ? status : "FAILED", isTaskType(taskType) ? taskType : ""));
  };
  return (
    <form className="filters" aria-label="Filter tasks" onSubmit={submit}>
      <SelectField
        id="task-status"
        label="Status"
        options={STATUSES.map((s) => [s, s.toLowerCase()] as const)}
        defaultValue={state.status}
      />
      <SelectField
        id="task-type"
        label="Analysis"
        options={[["", "Any"] as const, ...ANALYSES.map((a) => [a.task, a.name] as const)]}
        defaultValue={state.taskType}
      />
      <button type="submit">Show</button>
    </form>
  );
}
