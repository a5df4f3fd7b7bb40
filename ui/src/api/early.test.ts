import { describe, expect, it } from "vitest";
import { EarlyAnswers } from "./early";

describe("answers asked for early", () => {
  it("hands a young answer to the first taker only, and none for another key", async () => {
    let now = 1000;
    const early = new EarlyAnswers<string>(5000, () => now);
    let asked = 0;
    early.start("a", () => {
      asked += 1;
      return Promise.resolve("tasks of a");
    });
    expect(asked).toBe(1); // started at once, not when taken
    expect(early.take("b")).toBeUndefined();
    now += 4000;
    await expect(early.take("a")).resolves.toBe("tasks of a");
    expect(early.take("a")).toBeUndefined(); // taken once: a later read asks anew
  });

  it("lets an old answer go, and keeps a failure for its taker", async () => {
    let now = 0;
    const early = new EarlyAnswers<string>(5000, () => now);
    early.start("old", () => Promise.resolve("stale"));
    now = 6000;
    expect(early.take("old")).toBeUndefined();
    early.start("failed", () => Promise.reject(new Error("offline")));
    await expect(early.take("failed")).rejects.toThrow("offline");
  });
});
