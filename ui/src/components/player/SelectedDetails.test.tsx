// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Artifact } from "../../api/types";
import { renderWith } from "../../testing";
import { SelectedDetails } from "./SelectedDetails";

afterEach(cleanup);

describe("the selected item", () => {
  it("asks for a choice until there is one", () => {
    renderWith(<SelectedDetails videoId="v" selected={null} />);
    expect(screen.getByText("Choose a moment or a box.")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("shows a boxed item's provenance on demand, without asking the API again", () => {
    const artifact = { id: "a1", provenance: { run_id: "run-7", producer: "yolo" } } as unknown as Artifact;
    const { container } = renderWith(
      <SelectedDetails
        videoId="v"
        selected={{ what: "Object: cat", span: { start_ms: 6000, end_ms: 6500 }, artifact }}
      />,
    );
    expect(screen.getByText("Object: cat, 0:06.0–0:06.5")).toBeTruthy();
    expect(container.querySelector("dl.provenance")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Show provenance" }));
    expect(container.querySelector("dl.provenance")?.textContent).toBe("run_idrun-7produceryolo");
  });
});
