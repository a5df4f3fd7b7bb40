import { describe, expect, it } from "vitest";
import type { System } from "../api/types";
import { modelRows, queueRows, systemFacts } from "./system";

const system: System = {
  ml: {
    reachable: true,
    status: "ok",
    detail: null,
    device: { device: "cpu", reason: "no CUDA" },
    models: {
      ocr: { state: "ready", missing: [], producer: "rapidocr", version: "1.3" },
      faces: { state: "unavailable", missing: ["pnet.pt"], reason: "weights missing" },
    },
    gate: { concurrency: 1, running: 0, waiting: 2 },
  },
  queues: [{ queue: "gpu_jobs", jobs: 3, ready: 1 }],
  tasks: { total: 6, waiting: 0, by_status: { COMPLETED: 6 }, by_type: {} },
  services: [],
};

describe("the system panel", () => {
  it("says the ML service's state, device and gate", () => {
    expect(systemFacts(system)).toEqual([
      "ML service: ok",
      "device: cpu (no CUDA)",
      "GPU gate: 0 running, 2 waiting, 1 at once",
    ]);
    expect(systemFacts({ ...system, ml: { ...system.ml, device: null, gate: null } })).toEqual([
      "ML service: ok",
      "device: unknown",
      "GPU gate: unknown",
    ]);
  });

  it("lists models with why one is not ready, and the queues", () => {
    expect(modelRows(system)).toEqual([
      ["ocr", "ready", "rapidocr", "1.3", ""],
      ["faces", "unavailable", "", "", "weights missing"],
    ]);
    expect(queueRows(system)).toEqual([["gpu_jobs", "3", "1"]]);
  });
});
