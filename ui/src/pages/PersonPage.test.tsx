// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Route, Routes } from "react-router";
import PersonPage from "./PersonPage";
import { renderWith } from "../testing";
import { ADA, BOB, FACE, VIDEO, api, person, stopApi } from "../components/people/fixtures";

afterEach(() => {
  stopApi();
  cleanup();
  vi.restoreAllMocks();
});

describe("a person's page", () => {
  const at = (id: string) =>
    renderWith(
      <Routes>
        <Route path="/people/:id" element={<PersonPage />} />
        <Route path="/people" element={<p>the people</p>} />
      </Routes>,
      { at: `/people/${id}` },
    );

  it("lists the appearances, each playing from its moment, the person's name kept for next/previous", async () => {
    api([person(ADA, "Ada Lovelace")]);
    at(ADA);
    expect((await screen.findByRole("heading", { level: 1 })).textContent).toContain("Ada Lovelace");
    expect(screen.getByText("2 faces · 1 video")).toBeTruthy();
    const link = await screen.findByRole("link", { name: /ada\.mp4/ });
    expect(link.getAttribute("href")).toBe(`/videos/${VIDEO}?types=person&label=Ada+Lovelace&t=2.000`);
  });

  it("says 'not this person' for an appearance", async () => {
    const asked = api([person(ADA, "Ada")], () => ({ status: 200, body: { new_person_id: BOB } }));
    at(ADA);
    fireEvent.click(await screen.findByRole("button", { name: "Not this person: ada.mp4 at 0:02.0–0:04.0" }));
    await waitFor(() =>
      expect(asked).toContainEqual({
        method: "POST",
        path: `/api/v1/persons/${ADA}/faces/${FACE}/remove`,
        query: "",
        body: null,
      }),
    );
  });

  it("forgets the person once confirmed, and goes back to the people", async () => {
    const asked = api([person(ADA, "Ada")], () => ({ status: 204 }));
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    at(ADA);
    const forget = await screen.findByRole("button", { name: "Forget this person" });
    fireEvent.click(forget);
    expect(asked.some((a) => a.method === "DELETE")).toBe(false);
    fireEvent.click(forget);
    await screen.findByText("the people");
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(asked.some((a) => a.method === "DELETE" && a.path === `/api/v1/persons/${ADA}`)).toBe(true);
  });

  it("is the app's not-found page for an unknown id", async () => {
    api([]);
    at(BOB);
    expect((await screen.findByRole("heading", { name: "Not found" })).tagName).toBe("H1");
  });
});
