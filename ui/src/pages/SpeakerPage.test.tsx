// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import SpeakerPage from "./SpeakerPage";
import { renderWith } from "../testing";
import { ADA, BOB, PERSON, VIDEO, api, speaker, stopApi, turn } from "../components/speakers/fixtures";

afterEach(() => {
  stopApi();
  cleanup();
});

const page = (id: string) =>
  renderWith(
    <Routes>
      <Route path="/speakers/:id" element={<SpeakerPage />} />
    </Routes>,
    { at: `/speakers/${id}` },
  );

describe("a speaker's page", () => {
  it("names them, counts their turns, links the search of what they said, and lists each turn at its time", async () => {
    api([speaker(ADA, "Ada Lovelace", 1, 2)], undefined, [turn(1500, "Welcome to the show."), turn(9000, "Tell us.")]);
    page(ADA);
    expect(await screen.findByRole("button", { name: "Ada Lovelace (rename)" })).toBeTruthy();
    expect(screen.getByText(/2 turns · 1 video/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "Search what they said" }).getAttribute("href")).toBe(
      `/search?types=transcript&speaker=${ADA}&sort=time`,
    );
    const turns = await screen.findAllByRole("link", { name: /engine\.mp4 at/ });
    expect(turns.map((t) => t.getAttribute("href"))).toEqual([
      `/videos/${VIDEO}?types=transcript&speaker=${ADA}&t=1.500`,
      `/videos/${VIDEO}?types=transcript&speaker=${ADA}&t=9.000`,
    ]);
    expect(turns[0]?.textContent).toContain("Welcome to the show.engine.mp4 at 0:01.5–0:03.0 · talks/engine.mp4");
    expect(screen.queryByRole("heading", { name: /Is this/ })).toBeNull(); // no suggestion
  });

  it("offers the person whose face shows while they talk; accepting it sends the person and shows the link", async () => {
    const suggested = {
      ...speaker(BOB, null, 2, 6),
      suggestion: { person_id: PERSON, person_name: "Grace Hopper", turns: 4 },
    };
    const accepted = { ...suggested, name: "Grace Hopper", person_id: PERSON };
    const speakers = [suggested];
    const asked = api(speakers, () => {
      speakers[0] = accepted; // what the API reads afterwards
      return { status: 200, body: accepted };
    });
    page(BOB);
    expect(await screen.findByRole("heading", { name: "Is this Grace Hopper?" })).toBeTruthy();
    expect(screen.getByText(/face is on screen in 4 of Speaker 2's turns/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Yes, this is Grace Hopper" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Grace Hopper (rename)" })).toBeTruthy());
    expect(asked).toContainEqual({
      method: "POST",
      path: `/api/v1/speakers/${BOB}/accept`,
      query: "",
      body: { person_id: PERSON },
    });
    expect(screen.queryByRole("heading", { name: /Is this/ })).toBeNull();
    expect(screen.getByRole("link", { name: "the person on their page" }).getAttribute("href")).toBe(
      `/people/${PERSON}`,
    );
  });

  it("is not found for an unknown speaker", async () => {
    api([]);
    page(ADA);
    expect(await screen.findByRole("heading", { name: /not found/i })).toBeTruthy();
  });
});
