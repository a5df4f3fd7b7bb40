import { ApiError, get, post, type Page, type Task } from "../api";
import { append, h, replace } from "../dom";
import { ANALYSES, analysisOfTask, bulkConfirmation, formatDuration, queryString, STATUSES } from "../logic";
import type { PageContext } from "../main";
import { pager, select } from "./common";

const LIMIT = 50;

async function count(filter: Record<string, string>): Promise<number> {
  return (await get<Page<Task>>(`/api/v1/tasks${queryString({ ...filter, limit: 1 })}`)).total;
}

interface SystemReport {
  ml?: {
    reachable?: boolean;
    status?: string;
    detail?: string | null;
    device?: Record<string, unknown> | null;
    models?: Record<string, { state?: string; reason?: string | null; producer?: string | null; version?: string | null }>;
    gate?: { concurrency: number; running: number; waiting: number; queue_limit?: number | null } | null;
  };
  queues?: { queue: string; jobs: number; ready: number }[];
  tasks?: { by_status?: Record<string, number>; by_type?: Record<string, Record<string, number>> };
}

/** GET /system (the ML service's models, device, gate; queue depths; task counts); null where the API lacks it. */
async function loadSystem(): Promise<SystemReport | null> {
  try {
    return await get<SystemReport>("/api/v1/system");
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

function table(caption: string, head: string[], rows: (string | Node)[][]): HTMLElement {
  return h(
    "table",
    { class: "counts" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      rows.map(([first, ...rest]) => h("tr", {}, h("th", { scope: "row" }, first), rest.map((c) => h("td", {}, c)))),
    ),
  );
}

function systemPanel(system: SystemReport): HTMLElement {
  const ml = system.ml ?? {};
  const device = ml.device ?? {};
  const gate = ml.gate;
  const facts = [
    `ML service: ${ml.status ?? "unknown"}${ml.detail ? ` (${ml.detail})` : ""}`,
    `device: ${String(device.device ?? "unknown")}${device.reason ? ` (${String(device.reason)})` : ""}`,
    gate ? `GPU gate: ${gate.running} running, ${gate.waiting} waiting, ${gate.concurrency} at once` : "GPU gate: unknown",
  ];
  const models = Object.entries(ml.models ?? {}).map(([name, m]) => [
    name,
    m.state ?? "",
    m.producer ?? "",
    m.version ?? "",
    m.reason ?? "",
  ]);
  const queues = (system.queues ?? []).map((q) => [q.queue, String(q.jobs), String(q.ready)]);
  return h(
    "section",
    { "aria-labelledby": "system-title" },
    h("h2", { id: "system-title" }, "System"),
    h("ul", { class: "facts" }, facts.map((f) => h("li", {}, f))),
    h(
      "div",
      { class: "count-tables" },
      table("Models", ["Model", "State", "Producer", "Version", "Why not ready"], models),
      table("Queues", ["Queue", "Jobs", "Ready now"], queues),
    ),
  );
}

export async function workPage({ main, params, navigate }: PageContext): Promise<void> {
  document.title = "Work · Framewise";
  const status = params.get("status") ?? "FAILED";
  const taskType = params.get("task_type") ?? "";
  const offset = Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0);
  const message = h("p", { role: "status", class: "notice" });

  // Counts: by status, and by analysis within the chosen status (from /system when it is there).
  const system = await loadSystem();
  const counted = system?.tasks?.by_status;
  const byType = system?.tasks?.by_type;
  const [byStatus, ofType] = await Promise.all([
    Promise.all(STATUSES.map(async (s) => [s, counted ? counted[s] ?? 0 : await count({ status: s })] as const)),
    Promise.all(
      ANALYSES.map(
        async (a) => [a, byType ? byType[a.task]?.[status] ?? 0 : await count({ status, task_type: a.task })] as const,
      ),
    ),
  ]);
  const statusTable = table(
    "Tasks by status",
    ["Status", "Tasks"],
    byStatus.map(([s, n]) => [
      h("a", { href: `/work${queryString({ status: s })}`, "aria-current": s === status ? "true" : null }, s.toLowerCase()),
      String(n),
    ]),
  );
  const typeTable = table(
    `${status.toLowerCase()} tasks by analysis`,
    ["Analysis", "Tasks"],
    ofType.map(([a, n]) => [h("a", { href: `/work${queryString({ status, task_type: a.task })}` }, a.name), String(n)]),
  );

  const discover = h("button", { type: "button" }, "Discover now");
  discover.addEventListener("click", async () => {
    discover.disabled = true;
    message.textContent = "Scanning the media folders…";
    try {
      const found = await post<{ scanned: number; new: string[]; changed: string[]; tasks_created: number }>(
        "/api/v1/paths/discover",
      );
      message.textContent = `Scanned ${found.scanned} files: ${found.new.length} new, ${found.changed.length} changed, ${found.tasks_created} tasks created.`;
    } catch (error) {
      message.textContent = (error as Error).message;
    } finally {
      discover.disabled = false;
    }
  });

  const [statusField, statusSelect] = select(
    "task-status",
    "Status",
    STATUSES.map((s) => [s, s.toLowerCase()]),
    status,
  );
  const [typeField, typeSelect] = select(
    "task-type",
    "Analysis",
    [["", "Any"], ...ANALYSES.map((a): [string, string] => [a.task, a.name])],
    taskType,
  );
  const filters = h("form", { class: "filters", "aria-label": "Filter tasks" }, statusField, typeField, h("button", { type: "submit" }, "Show"));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(`/work${queryString({ status: statusSelect.value, task_type: typeSelect.value })}`);
  });

  replace(
    main,
    h("h1", {}, "Work"),
    h("div", { class: "actions" }, discover, message),
    h("div", { class: "count-tables" }, statusTable, typeTable),
  );
  if (system) main.append(systemPanel(system));
  main.append(h("h2", {}, "Tasks"), filters);

  const page = await get<Page<Task>>(
    `/api/v1/tasks${queryString({ status, task_type: taskType, sort: "created_at", order: "desc", limit: LIMIT, offset })}`,
  );
  const canRetry = status === "FAILED" || status === "CANCELLED";
  const canCancel = status === "PENDING" || status === "RUNNING";
  const act = async (task: Task, action: "retry" | "cancel"): Promise<string | null> => {
    try {
      await post(`/api/v1/tasks/${task.id}/${action}`);
      return null;
    } catch (error) {
      return `${analysisOfTask(task.task_type)?.name ?? task.task_type} ${task.id.slice(0, 8)}: ${(error as Error).message}`;
    }
  };
  const rows = page.items.map((task) => {
    const name = analysisOfTask(task.task_type)?.name ?? task.task_type;
    const box = h("input", { type: "checkbox", value: task.id, "aria-label": `Select ${name} task ${task.id.slice(0, 8)}` });
    const action = canRetry ? "retry" : canCancel ? "cancel" : null;
    const button = action
      ? h("button", { type: "button", "aria-label": `${action === "retry" ? "Retry" : "Cancel"} ${name} task ${task.id.slice(0, 8)}` }, action === "retry" ? "Retry" : "Cancel")
      : null;
    const state = h(
      "td",
      {},
      task.status.toLowerCase() + (task.status === "RUNNING" ? ` ${Math.round(task.progress * 100)}%` : ""),
    );
    const done = (): void => {
      state.textContent = action === "retry" ? "queued again" : "cancelled";
      box.checked = false;
      box.disabled = true;
      if (button) button.disabled = true;
    };
    button?.addEventListener("click", async () => {
      button.disabled = true;
      const failed = await act(task, action as "retry" | "cancel");
      message.textContent = failed ?? `${name} task ${task.id.slice(0, 8)}: ${action === "retry" ? "queued again" : "cancelled"}.`;
      if (failed) button.disabled = false;
      else done();
    });
    return {
      task,
      box,
      done,
      row: h(
        "tr",
        {},
        h("td", {}, box),
        h("td", {}, h("a", { href: `/videos/${task.video_id}` }, name)),
        state,
        h("td", {}, String(task.attempt)),
        h("td", {}, task.error_kind ?? ""),
        h("td", { class: "error-text" }, task.error ?? ""),
        h("td", {}, formatDuration(task.running_time_ms)),
        h("td", {}, button),
      ),
    };
  });
  if (!rows.length) {
    main.append(h("p", { class: "empty" }, `No ${status.toLowerCase()} tasks${taskType ? " of this analysis" : ""}.`));
    return;
  }
  const bulk = canRetry || canCancel ? h("button", { type: "button" }, canRetry ? "Retry selected" : "Cancel selected") : null;
  bulk?.addEventListener("click", async () => {
    const chosen = rows.filter((r) => r.box.checked);
    if (!chosen.length) {
      message.textContent = "Select one or more tasks first.";
      return;
    }
    bulk.disabled = true;
    const outcomes = await Promise.all(
      chosen.map(async (r) => {
        const failed = await act(r.task, canRetry ? "retry" : "cancel");
        if (!failed) r.done();
        return failed;
      }),
    );
    const failures = outcomes.filter(Boolean);
    message.textContent = failures.length
      ? `${chosen.length - failures.length} done; ${failures.length} refused: ${failures.join("; ")}`
      : `${chosen.length} tasks ${canRetry ? "queued again" : "cancelled"}.`;
    bulk.disabled = false;
  });
  // Every task the filters select, in one request (POST /tasks/retry or /tasks/cancel).
  const verb = canRetry ? "Retry" : "Cancel";
  const everyName = `${verb} all ${page.total} ${status.toLowerCase()}${taskType ? ` ${analysisOfTask(taskType)?.name ?? taskType}` : ""} tasks`;
  const every = canRetry || canCancel ? h("button", { type: "button", class: "quiet" }, everyName) : null;
  every?.addEventListener("click", async () => {
    const analysis = taskType ? (analysisOfTask(taskType)?.name ?? taskType) : undefined;
    if (!window.confirm(bulkConfirmation(canRetry ? "retry" : "cancel", page.total, status, analysis))) return;
    every.disabled = true;
    try {
      const done = await post<{ matched: number; changed: number; task_ids: string[] }>(
        `/api/v1/tasks/${canRetry ? "retry" : "cancel"}`,
        { status: [status], task_type: taskType ? [taskType] : [] },
      );
      const changed = new Set(done.task_ids);
      rows.filter((r) => changed.has(r.task.id)).forEach((r) => r.done());
      message.textContent = `${done.changed} of ${done.matched} tasks ${canRetry ? "queued again" : "cancelled"}.`;
    } catch (error) {
      message.textContent = (error as Error).message;
      every.disabled = false;
    }
  });
  const all = h("input", { type: "checkbox", "aria-label": "Select all tasks on this page" });
  all.addEventListener("change", () => rows.forEach((r) => (r.box.checked = all.checked)));
  append(main, [
    h(
      "table",
      { class: "tasks" },
      h("caption", {}, `${status.toLowerCase()} tasks`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, all),
          ["Analysis", "Status", "Attempt", "Error kind", "Error", "Running time", "Action"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h("tbody", {}, rows.map((r) => r.row)),
    ),
    h("div", { class: "actions" }, bulk, every),
    pager("/work", params, page.total, LIMIT, offset, page.items.length),
  ]);
}
