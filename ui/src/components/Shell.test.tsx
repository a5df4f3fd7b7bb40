// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWith } from "../testing";
import { sectionOf, Shell } from "./Shell";

afterEach(cleanup);

describe("the shell", () => {
  it("knows which section an address is in (a video is in the library)", () => {
    expect(sectionOf("/")).toBe("library");
    expect(sectionOf("/library/")).toBe("library");
    expect(sectionOf("/videos/0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("library");
    expect(sectionOf("/search")).toBe("search");
    expect(sectionOf("/work/")).toBe("work");
    expect(sectionOf("/people")).toBe("people");
    expect(sectionOf("/people/0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("people");
    expect(sectionOf("/speakers")).toBe("speakers");
    expect(sectionOf("/speakers/0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("speakers");
    expect(sectionOf("/elsewhere")).toBe("none");
  });

  it("marks the current section in the navigation and signs out", () => {
    let signedOut = 0;
    renderWith(
      <Shell onSignOut={() => (signedOut += 1)}>
        <h1>Work</h1>
      </Shell>,
      { at: "/work?status=FAILED" },
    );
    const nav = screen.getByRole("navigation", { name: "Main" });
    const current = [...nav.querySelectorAll('[aria-current="page"]')].map((a) => a.textContent);
    expect(current).toEqual(["Work"]);
    expect(screen.getByRole("main").id).toBe("main");
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(signedOut).toBe(1);
  });

  it("leaves a page opened afresh at the document, and after following a link starts at the new page's content", () => {
    renderWith(
      <Shell onSignOut={() => undefined}>
        <h1>Page</h1>
      </Shell>,
      { at: "/work" },
    );
    expect(document.activeElement).toBe(document.body);
    fireEvent.click(screen.getByRole("link", { name: "People" }));
    expect(document.activeElement).toBe(screen.getByRole("main"));
  });
});
