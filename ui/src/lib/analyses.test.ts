import { describe, expect, it } from "vitest";
import {
  ANALYSES,
  analysisOfMoment,
  isMomentType,
  isTaskStatus,
  momentName,
  STATUSES,
  TASK_TYPES,
  taskName,
} from "./analyses";

describe("the analyses", () => {
  it("has one lane per task type the API knows, in a fixed order", () => {
    expect(ANALYSES.map((a) => a.task).sort()).toEqual([...TASK_TYPES].sort());
    expect(ANALYSES.map((a) => a.name)).toEqual([
      "Scenes",
      "Transcript",
      "On-screen text",
      "Objects",
      "Faces",
      "Places",
    ]);
    expect(analysisOfMoment("ocr")?.task).toBe("ocr");
    expect(taskName("something_new")).toBe("something_new");
  });

  it("knows the API's statuses and moment types, and nothing else", () => {
    expect(STATUSES).toEqual(["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]);
    expect(isTaskStatus("FAILED")).toBe(true);
    expect(isTaskStatus("failed")).toBe(false);
    expect(isMomentType("scene")).toBe(true);
    expect(isMomentType("bogus")).toBe(false);
    expect(isMomentType("person")).toBe(true); // the people lane's, and a search type
    expect([momentName("object"), momentName("person"), momentName("bogus")]).toEqual(["Objects", "People", "bogus"]);
  });
});
