// The work page's view of GET /system, as facts and table rows.
import type { System } from "../api/types";

export function systemFacts(system: System): string[] {
  const ml = system.ml;
  const device = ml.device ?? {};
  const gate = ml.gate;
  const text = (value: unknown) =>
    typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
  return [
    `ML service: ${ml.status}${ml.detail ? ` (${ml.detail})` : ""}`,
    `device: ${device.device === undefined ? "unknown" : text(device.device)}${device.reason ? ` (${text(device.reason)})` : ""}`,
    gate
      ? `GPU gate: ${gate.running} running, ${gate.waiting} waiting, ${gate.concurrency} at once`
      : "GPU gate: unknown",
  ];
}

export function modelRows(system: System): string[][] {
  return Object.entries(system.ml.models).map(([name, m]) => [
    name,
    m.state,
    m.producer ?? "",
    m.version ?? "",
    m.reason ?? "",
  ]);
}

export function queueRows(system: System): string[][] {
  return system.queues.map((q) => [q.queue, String(q.jobs), String(q.ready)]);
}
