// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { useLocation } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { parseSearchState } from "../../lib/urls";
import { renderWith, testQueryClient } from "../../testing";
import { SearchForm } from "./SearchForm";

afterEach(cleanup);

function Address() {
  const { pathname, search } = useLocation();
  return <output aria-label="address">{pathname + search}</output>;
}

describe("the search form", () => {
  it("starts from the address, suggests labels, and puts what is asked in the address", () => {
    const queryClient = testQueryClient();
    queryClient.setQueryData(["labels", ["object"], ""], [{ type: "object", label: "cat", moments: 3, videos: 1 }]);
    const state = parseSearchState(new URLSearchParams("q=cat&types=object"));
    renderWith(
      <>
        <SearchForm state={state} autoFocus={false} />
        <Address />
      </>,
      { at: "/search?q=cat&types=object", queryClient },
    );
    const field = screen.getByLabelText<HTMLInputElement>("Search");
    expect(field.value).toBe("cat");
    expect(screen.getByLabelText<HTMLInputElement>("Objects").checked).toBe(true);
    expect(document.querySelector("#suggestions option")?.getAttribute("value")).toBe("cat");
    fireEvent.change(field, { target: { value: " lazy " } });
    fireEvent.click(screen.getByLabelText("Transcript"));
    fireEvent.change(screen.getByLabelText("Order"), { target: { value: "time" } });
    fireEvent.submit(field.form as HTMLFormElement);
    expect(screen.getByLabelText("address").textContent).toBe("/search?q=lazy&types=transcript%2Cobject&sort=time");
  });

  it("narrows to named speakers' turns, which have no lane", () => {
    renderWith(
      <>
        <SearchForm state={parseSearchState(new URLSearchParams("q=ada"))} autoFocus={false} />
        <Address />
      </>,
      { at: "/search?q=ada", queryClient: testQueryClient() },
    );
    fireEvent.click(screen.getByLabelText("Speakers"));
    fireEvent.submit(screen.getByLabelText<HTMLInputElement>("Search").form as HTMLFormElement);
    expect(screen.getByLabelText("address").textContent).toBe("/search?q=ada&types=speaker");
  });

  it("offers the languages the library's speech is in, and keeps the one asked for", () => {
    const queryClient = testQueryClient();
    queryClient.setQueryData(["labels", ["transcript", "object", "place", "ocr"], ""], []);
    queryClient.setQueryData(
      ["search-languages"],
      [
        { language: "en", moments: 40 },
        { language: "fr", moments: 12 },
      ],
    );
    renderWith(
      <>
        <SearchForm state={parseSearchState(new URLSearchParams("q=municipaux&lang=fr"))} autoFocus={false} />
        <Address />
      </>,
      { at: "/search?q=municipaux&lang=fr", queryClient },
    );
    const language = screen.getByLabelText<HTMLSelectElement>("Language");
    expect([...language.options].map((o) => o.text)).toEqual(["Any language", "English (40)", "French (12)"]);
    expect(language.value).toBe("fr");
    fireEvent.change(language, { target: { value: "en" } });
    fireEvent.submit(language.form as HTMLFormElement);
    expect(screen.getByLabelText("address").textContent).toBe("/search?q=municipaux&lang=en");
  });

  it("keeps the speaker the address names, by name, until unchecked", () => {
    const speaker = "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60";
    const queryClient = testQueryClient();
    queryClient.setQueryData(["labels", ["transcript"], ""], []);
    queryClient.setQueryData(["search-languages"], []);
    queryClient.setQueryData(["speakers", "one", speaker], {
      id: speaker,
      name: null,
      number: 3,
      segments: 4,
      videos: 1,
      person_id: null,
      suggestion: null,
    });
    const at = `/search?types=transcript&speaker=${speaker}`;
    renderWith(
      <>
        <SearchForm state={parseSearchState(new URLSearchParams(at.split("?")[1]))} autoFocus={false} />
        <Address />
      </>,
      { at, queryClient },
    );
    const saidBy = screen.getByRole<HTMLInputElement>("checkbox", { name: "Said by Speaker 3" });
    expect(saidBy.checked).toBe(true);
    const field = screen.getByLabelText<HTMLInputElement>("Search");
    fireEvent.change(field, { target: { value: "engine" } });
    fireEvent.submit(field.form as HTMLFormElement);
    expect(screen.getByLabelText("address").textContent).toBe(`/search?q=engine&types=transcript&speaker=${speaker}`);
    fireEvent.click(saidBy);
    fireEvent.submit(field.form as HTMLFormElement);
    expect(screen.getByLabelText("address").textContent).toBe("/search?q=engine&types=transcript");
  });

  it("takes / to the search field", () => {
    renderWith(<SearchForm state={parseSearchState(new URLSearchParams())} autoFocus={false} />, {
      queryClient: (() => {
        const c = testQueryClient();
        c.setQueryData(["labels", ["transcript", "object", "place", "ocr"], ""], []);
        return c;
      })(),
    });
    fireEvent.keyDown(document.body, { key: "/" });
    expect(document.activeElement?.id).toBe("q");
  });
});
