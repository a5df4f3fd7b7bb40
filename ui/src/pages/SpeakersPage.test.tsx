// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useLocation } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import SpeakersPage from "./SpeakersPage";
import { renderWith } from "../testing";
import { ADA, BOB, api, speaker, stopApi } from "../components/speakers/fixtures";

afterEach(() => {
  stopApi();
  cleanup();
});

function Address() {
  const { pathname, search } = useLocation();
  return <output aria-label="address">{pathname + search}</output>;
}

describe("the Speakers page", () => {
  it("lists each speaker by name (or number), with their turns and videos, each linked to their page", async () => {
    api([speaker(ADA, "Ada", 1, 5), speaker(BOB, null, 2, 1)]);
    renderWith(<SpeakersPage />, { at: "/speakers" });
    const table = await screen.findByRole("table", { name: "Speakers" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent))).toEqual([
      ["", "Ada (rename)", "5", "1", "Turns of Ada"],
      ["", "Speaker 2 (rename)", "1", "1", "Turns of Speaker 2"],
    ]);
    expect(screen.getByRole("link", { name: "Turns of Ada" }).getAttribute("href")).toBe(`/speakers/${ADA}`);
  });

  it("says speakers come from transcripts when there is nobody", async () => {
    api([]);
    renderWith(<SpeakersPage />, { at: "/speakers" });
    expect((await screen.findByText(/speech is transcribed/)).className).toBe("empty");
  });

  it("says whose name was not found when filtered", async () => {
    api([speaker(ADA, "Ada", 1)]);
    renderWith(<SpeakersPage />, { at: "/speakers?q=zed" });
    expect(await screen.findByText("No speaker's name begins with “zed”.")).toBeTruthy();
  });

  it("filters by a name's beginning through the address", async () => {
    const asked = api([speaker(ADA, "Ada", 1), speaker(BOB, "Bob", 2)]);
    renderWith(
      <>
        <SpeakersPage />
        <Address />
      </>,
      { at: "/speakers" },
    );
    const field = await screen.findByLabelText("Name begins with");
    fireEvent.change(field, { target: { value: "bo" } });
    fireEvent.submit(field.closest("form") as HTMLFormElement);
    expect(screen.getByLabelText("address").textContent).toBe("/speakers?q=bo");
    await waitFor(() => expect(screen.queryByRole("button", { name: "Ada (rename)" })).toBeNull());
    expect(asked.some((a) => a.path === "/api/v1/speakers" && new URLSearchParams(a.query).get("q") === "bo")).toBe(
      true,
    );
  });

  it("names a speaker in place", async () => {
    const asked = api([speaker(BOB, null, 2)], () => ({ status: 200, body: speaker(BOB, "Bob", 2) }));
    renderWith(<SpeakersPage />, { at: "/speakers" });
    fireEvent.click(await screen.findByRole("button", { name: "Speaker 2 (rename)" }));
    const field = screen.getByRole<HTMLInputElement>("textbox", { name: "Name" });
    expect(field.value).toBe("");
    fireEvent.change(field, { target: { value: " Bob " } });
    fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(screen.queryByRole("textbox", { name: "Name" })).toBeNull());
    expect(asked).toContainEqual({ method: "PUT", path: `/api/v1/speakers/${BOB}`, query: "", body: { name: "Bob" } });
  });

  it("merges the selected speakers into the one chosen, and says so", async () => {
    const asked = api([speaker(ADA, "Ada", 1, 3), speaker(BOB, null, 2, 1)], () => ({
      status: 200,
      body: { speaker: speaker(ADA, "Ada", 1, 4), segments_moved: 1 },
    }));
    renderWith(<SpeakersPage />, { at: "/speakers" });
    fireEvent.click(await screen.findByRole("checkbox", { name: "Select Speaker 2" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "Select Ada" }));
    const into = screen.getByRole("combobox", { name: "Merge into" });
    expect([...into.querySelectorAll("option")].map((o) => o.textContent)).toEqual(["Speaker 2 (1)", "Ada (3)"]);
    fireEvent.change(into, { target: { value: ADA } });
    fireEvent.click(screen.getByRole("button", { name: "Merge 2" }));
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe("Merged 1 speaker into Ada (1 turn moved)."),
    );
    expect(asked).toContainEqual({
      method: "POST",
      path: `/api/v1/speakers/${ADA}/merge`,
      query: "",
      body: { speaker_ids: [BOB] },
    });
    expect(screen.queryByRole("form", { name: "Merge the selected speakers" })).toBeNull();
  });

  it("says what the API refused of a merge", async () => {
    api([speaker(ADA, "Ada", 1), speaker(BOB, null, 2)], () => ({
      status: 404,
      body: { title: "Not Found", detail: "No such speaker" },
    }));
    renderWith(<SpeakersPage />, { at: "/speakers" });
    fireEvent.click(await screen.findByRole("checkbox", { name: "Select Speaker 2" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "Select Ada" }));
    fireEvent.click(screen.getByRole("button", { name: "Merge 2" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Could not merge: Not Found: No such speaker");
  });
});
