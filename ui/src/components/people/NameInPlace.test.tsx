// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWith } from "../../testing";
import { NameInPlace } from "./NameInPlace";
import { ADA, api, person, stopApi } from "./fixtures";

afterEach(() => {
  stopApi();
  cleanup();
});

describe("a name in place", () => {
  it("opens a field on click, saves on Enter with the name trimmed, and closes", async () => {
    const asked = api([], () => ({ status: 200, body: person(ADA, "Ada Lovelace") }));
    renderWith(<NameInPlace personId={ADA} name={null} />);
    fireEvent.click(screen.getByRole("button", { name: "Unnamed (rename)" }));
    const field = screen.getByRole<HTMLInputElement>("textbox", { name: "Name" });
    fireEvent.change(field, { target: { value: "  Ada   Lovelace " } });
    fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(screen.getByRole("button", { name: /rename/ })).toBeTruthy());
    expect(asked).toContainEqual({
      method: "PUT",
      path: `/api/v1/persons/${ADA}`,
      query: "",
      body: { name: "Ada Lovelace" },
    });
  });

  it("leaves the name as it was on Escape, sending nothing", () => {
    const asked = api([]);
    renderWith(<NameInPlace personId={ADA} name="Ada" />);
    fireEvent.click(screen.getByRole("button", { name: "Ada (rename)" }));
    const field = screen.getByRole("textbox", { name: "Name" });
    fireEvent.change(field, { target: { value: "Bob" } });
    fireEvent.keyDown(field, { key: "Escape" });
    expect(screen.getByRole("button", { name: "Ada (rename)" })).toBeTruthy();
    expect(asked.filter((a) => a.method === "PUT")).toEqual([]);
  });

  it("says what the API refused, from its problem document, and stays open", async () => {
    api([], () => ({ status: 422, body: { title: "Unprocessable Content", detail: "name: at most 200 characters" } }));
    renderWith(<NameInPlace personId={ADA} name={null} />);
    fireEvent.click(screen.getByRole("button", { name: "Unnamed (rename)" }));
    const field = screen.getByRole("textbox", { name: "Name" });
    fireEvent.change(field, { target: { value: "x" } });
    fireEvent.submit((field as HTMLInputElement).form as HTMLFormElement);
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe("Unprocessable Content: name: at most 200 characters"),
    );
    expect(screen.getByRole("textbox", { name: "Name" })).toBeTruthy();
  });
});
