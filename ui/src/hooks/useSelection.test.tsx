// @vitest-environment jsdom
import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSelection } from "./useSelection";

describe("a selection", () => {
  it("keeps what is selected by id, in order, lets one go and clears", () => {
    const { result } = renderHook(() => useSelection<{ id: string; name: string }>());
    act(() => result.current.select({ id: "b", name: "Beth" }, true));
    act(() => result.current.select({ id: "a", name: "Adam" }, true));
    act(() => result.current.select({ id: "b", name: "Beth again" }, true));
    expect([...result.current.selected.values()].map((s) => s.name)).toEqual(["Beth again", "Adam"]);
    act(() => result.current.select({ id: "b", name: "Beth" }, false));
    expect([...result.current.selected.keys()]).toEqual(["a"]);
    act(() => result.current.clear());
    expect(result.current.selected.size).toBe(0);
  });
});
