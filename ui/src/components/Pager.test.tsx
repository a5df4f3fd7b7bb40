// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWith } from "../testing";
import { Pager } from "./Pager";

afterEach(cleanup);

describe("pager", () => {
  it("links the other pages with the rest of the address, and says where it is", () => {
    renderWith(
      <Pager
        path="/search"
        params={new URLSearchParams("q=cat&offset=20")}
        total={45}
        limit={20}
        offset={20}
        shown={20}
      />,
    );
    expect(screen.getByRole("link", { name: "← Previous page" }).getAttribute("href")).toBe("/search?q=cat");
    expect(screen.getByRole("link", { name: "Next page →" }).getAttribute("href")).toBe("/search?q=cat&offset=40");
    expect(screen.getByText("21–40 of 45")).toBeTruthy();
  });

  it("has no link past either end", () => {
    renderWith(<Pager path="/" params={new URLSearchParams()} total={3} limit={24} offset={0} shown={3} />);
    expect(screen.queryAllByRole("link")).toEqual([]);
    expect(screen.getByText("← Previous page").getAttribute("aria-disabled")).toBe("true");
  });
});
