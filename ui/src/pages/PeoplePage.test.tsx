// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import PeoplePage from "./PeoplePage";
import { renderWith } from "../testing";
import { ADA, BOB, api, person, stopApi } from "../components/people/fixtures";

afterEach(() => {
  stopApi();
  cleanup();
});

describe("the People page", () => {
  it("shows each person's face, name (or Unnamed), and counts, each linked to their page", async () => {
    api([person(ADA, "Ada", 3), person(BOB, null, 1)]);
    renderWith(<PeoplePage />, { at: "/people" });
    const grid = await screen.findByRole("list", { name: "People" });
    const cards = within(grid).getAllByRole("listitem");
    expect(cards.map((c) => c.querySelector(".name-button")?.firstChild?.textContent)).toEqual(["Ada", "Unnamed"]);
    expect(cards[0]?.textContent).toContain("3 faces · 1 video");
    expect(screen.getByRole("link", { name: "Ada: appearances" }).getAttribute("href")).toBe(`/people/${ADA}`);
    // Once the video's size is in, the still is drawn so the face fills its square.
    await waitFor(() => expect(cards[0]?.querySelector<HTMLImageElement>(".face img")?.style.left).not.toBe(""));
  });

  it("says faces appear after face detection runs when there is nobody", async () => {
    api([]);
    renderWith(<PeoplePage />, { at: "/people" });
    expect((await screen.findByText(/after face detection runs/)).className).toBe("empty");
  });

  it("merges the selected persons into the one chosen, and says so", async () => {
    const asked = api([person(ADA, "Ada", 3), person(BOB, null, 1)], () => ({
      status: 200,
      body: { person: person(ADA, "Ada", 4), faces_moved: 1 },
    }));
    renderWith(<PeoplePage />, { at: "/people" });
    fireEvent.click(await screen.findByRole("checkbox", { name: "Select Unnamed" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "Select Ada" }));
    fireEvent.change(screen.getByRole("combobox", { name: "Merge into" }), { target: { value: ADA } });
    fireEvent.click(screen.getByRole("button", { name: "Merge 2" }));
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe("Merged 1 person into Ada (1 face moved)."),
    );
    expect(asked).toContainEqual({
      method: "POST",
      path: `/api/v1/persons/${ADA}/merge`,
      query: "",
      body: { person_ids: [BOB] },
    });
    expect(screen.queryByRole("form", { name: "Merge the selected persons" })).toBeNull();
  });

  it("groups again and says what came of it", async () => {
    const asked = api([person(ADA, "Ada")], () => ({ status: 200, body: { faces: 12, persons: 4 } }));
    renderWith(<PeoplePage />, { at: "/people" });
    fireEvent.click(await screen.findByRole("button", { name: "Group again" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Grouped 12 faces again, into 4 persons."));
    expect(asked.some((a) => a.method === "POST" && a.path === "/api/v1/persons/regroup")).toBe(true);
  });

  it("puts the name filter into the address once typing pauses", async () => {
    const asked = api([person(ADA, "Ada"), person(BOB, "Bob")]);
    renderWith(<PeoplePage />, { at: "/people?offset=48" });
    fireEvent.change(await screen.findByRole("searchbox", { name: "Name begins with" }), { target: { value: "bo" } });
    await waitFor(() => expect(asked.some((a) => a.query === "?q=bo&limit=48&offset=0")).toBe(true));
  });
});
