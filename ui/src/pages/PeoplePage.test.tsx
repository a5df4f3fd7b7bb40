// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import PeoplePage from "./PeoplePage";
import { renderWith } from "../testing";
import { ADA, BOB, api, person, regroupStatus, stopApi } from "../components/people/fixtures";

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

  it("asks a worker to group again, says how far it got, then what came of it, and reads the persons again", async () => {
    // The worker's progress, as the status answers it after the request: waiting, running, done.
    const seen = [
      regroupStatus("running", 0, 12),
      regroupStatus("running", 5, 12),
      regroupStatus("idle", 12, 12, { faces: 12, persons: 4 }),
    ];
    let requested = false;
    const asked = api(
      [person(ADA, "Ada")],
      () => {
        requested = true;
        return { status: 202, body: regroupStatus("queued") };
      },
      () =>
        requested
          ? seen.length > 1
            ? seen.shift()!
            : seen[0]!
          : regroupStatus("idle", 3, 3, { faces: 3, persons: 1 }),
    );
    renderWith(<PeoplePage />, { at: "/people" });
    // An earlier run's outcome is not news: nothing is said until this page asks.
    fireEvent.click(await screen.findByRole("button", { name: "Group again" }));
    expect(screen.getByRole("status").textContent).toBe("");
    await screen.findByRole("button", { name: "Waiting for a worker…" });
    await screen.findByRole("button", { name: "Grouping… 5 of 12 faces" }, { timeout: 4000 });
    await waitFor(
      () => expect(screen.getByRole("status").textContent).toBe("Grouped 12 faces again, into 4 persons."),
      {
        timeout: 4000,
      },
    );
    expect(screen.getByRole("button", { name: "Group again" })).toHaveProperty("disabled", false);
    expect(asked.filter((a) => a.method === "POST" && a.path === "/api/v1/persons/regroup")).toHaveLength(1);
    const listings = asked.filter((a) => a.method === "GET" && a.path === "/api/v1/persons");
    expect(listings.length).toBeGreaterThan(1); // read again once it ended
  }, 10000);

  it("puts the name filter into the address once typing pauses", async () => {
    const asked = api([person(ADA, "Ada"), person(BOB, "Bob")]);
    renderWith(<PeoplePage />, { at: "/people?offset=48" });
    fireEvent.change(await screen.findByRole("searchbox", { name: "Name begins with" }), { target: { value: "bo" } });
    await waitFor(() => expect(asked.some((a) => a.query === "?q=bo&limit=48&offset=0")).toBe(true));
  });
});
