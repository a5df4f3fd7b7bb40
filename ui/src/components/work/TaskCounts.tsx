import { Link } from "react-router";
import type { TaskCounts as Counts } from "../../api/queries";
import type { TaskStatus } from "../../api/types";
import { workHref } from "../../lib/urls";
import { CountTable } from "./CountTable";

/** Tasks by status (each a link to its list), and by analysis within the status shown. */
export function TaskCounts({ counts, status }: { counts: Counts; status: TaskStatus }) {
  return (
    <div className="count-tables">
      <CountTable
        caption="Tasks by status"
        head={["Status", "Tasks"]}
        rows={counts.byStatus.map(([s, n]) => [
          <Link key={s} to={workHref(s)} aria-current={s === status ? "true" : undefined}>
            {s.toLowerCase()}
          </Link>,
          String(n),
        ])}
      />
      <CountTable
        caption={`${status.toLowerCase()} tasks by analysis`}
        head={["Analysis", "Tasks"]}
        rows={counts.ofType.map(([a, n]) => [
          <Link key={a.task} to={workHref(status, a.task)}>
            {a.name}
          </Link>,
          String(n),
        ])}
      />
    </div>
  );
}
