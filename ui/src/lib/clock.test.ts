import { describe, expect, it } from "vitest";
import { PlayerClock } from "./clock";

describe("the player's clock", () => {
  it("tells its listeners when the time changes, and only then", () => {
    const clock = new PlayerClock(500);
    const heard: number[] = [];
    const stop = clock.subscribe(() => heard.push(clock.now()));
    clock.set(500);
    clock.set(1000);
    clock.set(1250);
    stop();
    clock.set(2000);
    expect(heard).toEqual([1000, 1250]);
    expect(clock.now()).toBe(2000);
  });
});
