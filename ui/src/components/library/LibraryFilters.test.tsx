// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { useLocation } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { parseLibraryState } from "../../lib/urls";
import { renderWith } from "../../testing";
import { LibraryFilters } from "./LibraryFilters";

afterEach(cleanup);

function Address() {
  const { pathname, search } = useLocation();
  return <output aria-label="address">{pathname + search}</output>;
}

describe("the library's filters", () => {
  it("offers missing videos, and applies the filters through the address", () => {
    renderWith(
      <>
        <LibraryFilters state={parseLibraryState(new URLSearchParams("sort=path"))} />
        <Address />
      </>,
    );
    const status = screen.getByLabelText<HTMLSelectElement>("Status");
    expect([...status.options].map((o) => o.value)).toEqual(["", "ready", "invalid", "missing"]);
    expect(screen.getByLabelText<HTMLSelectElement>("Sort by").value).toBe("path");
    fireEvent.change(status, { target: { value: "missing" } });
    fireEvent.change(screen.getByLabelText("Path contains"), { target: { value: "holiday" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(screen.getByLabelText("address").textContent).toBe(
      "/?status=missing&path_contains=holiday&sort=path&order=desc",
    );
  });
});
