import { useState } from "react";
import { useSearchParams } from "react-router";
import { useSystem, useTaskCounts, useTaskPage, WORK_LIMIT } from "../api/queries";
import { ErrorNotice } from "../components/ErrorNotice";
import { Pager } from "../components/Pager";
import { DiscoverButton } from "../components/work/DiscoverButton";
import { SystemPanel } from "../components/work/SystemPanel";
import { TaskCounts } from "../components/work/TaskCounts";
import { TaskFilters } from "../components/work/TaskFilters";
import { TaskTable } from "../components/work/TaskTable";
import { useTitle } from "../hooks/useTitle";
import { ANALYSES, STATUSES } from "../lib/analyses";
import { parseWorkState } from "../lib/urls";

export default function WorkPage() {
  useTitle("Work");
  const [params] = useSearchParams();
  const state = parseWorkState(params);
  const [message, say] = useState("");
  const system = useSystem();
  const counts = useTaskCounts(state.status, STATUSES, ANALYSES, system.data, !system.isPending);
  const page = useTaskPage(state);
  return (
    <>
      <h1>Work</h1>
      <div className="actions">
        <DiscoverButton say={say} />
        <p role="status" className="notice">
          {message}
        </p>
      </div>
      {system.isError && <ErrorNotice error={system.error} />}
      {counts.data && <TaskCounts counts={counts.data} status={state.status} />}
      {counts.isError && <ErrorNotice error={counts.error} />}
      {system.data && <SystemPanel system={system.data} />}
      <h2>Tasks</h2>
      <TaskFilters key={params.toString()} state={state} />
      {page.isError && <ErrorNotice error={page.error} />}
      {page.data &&
        (page.data.items.length === 0 ? (
          <p className="empty">
            No {state.status.toLowerCase()} tasks{state.taskType ? " of this analysis" : ""}.
          </p>
        ) : (
          <>
            <TaskTable
              key={params.toString()}
              tasks={page.data.items}
              total={page.data.total}
              status={state.status}
              taskType={state.taskType}
              say={say}
            />
            <Pager
              path="/work"
              params={params}
              total={page.data.total}
              limit={WORK_LIMIT}
              offset={state.offset}
              shown={page.data.items.length}
            />
          </>
        ))}
    </>
  );
}
