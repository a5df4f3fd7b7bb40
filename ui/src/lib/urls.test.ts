import { describe, expect, it } from "vitest";
import {
  hitHref,
  isSearching,
  pageOf,
  libraryHref,
  parseLibraryState,
  parseSearchState,
  parseWorkState,
  queryString,
  searchApiParams,
  searchHref,
  speakerOfPath,
  speakersHref,
  startMsOf,
  videoIdOf,
  videoOfPath,
  withOffset,
  workHref,
} from "./urls";

const p = (text: string) => new URLSearchParams(text);

describe("URL state", () => {
  it("knows which page an address shows", () => {
    expect(pageOf("/")).toBe("library");
    expect(pageOf("/library/")).toBe("library");
    expect(pageOf("/search")).toBe("search");
    expect(pageOf("/work")).toBe("work");
    expect(pageOf("/videos/0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe("video");
    expect(pageOf("/videos/not-an-id")).toBeNull();
    expect(pageOf("/elsewhere")).toBeNull();
    expect(pageOf("/speakers/")).toBe("speakers");
    expect(pageOf("/speakers/3C9E2F4A-7B1D-4E6A-9C5F-1D2B3A4E5F60")).toBe("speaker");
    expect(pageOf("/speakers/not-an-id")).toBeNull();
    expect(speakerOfPath("/speakers/3C9E2F4A-7B1D-4E6A-9C5F-1D2B3A4E5F60")).toBe(
      "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60",
    );
  });

  it("takes a video's id only when it is one, in lower case", () => {
    expect(videoIdOf("0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(videoIdOf("not-an-id")).toBeNull();
    expect(videoIdOf(undefined)).toBeNull();
    expect(videoOfPath("/videos/0F8FAD5B-D9CB-469F-A165-70867728950E/")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(videoOfPath("/videos/not-an-id")).toBeNull();
    expect(videoOfPath("/videos/0f8fad5b-d9cb-469f-a165-70867728950e/more")).toBeNull();
    expect(videoOfPath("/search")).toBeNull();
  });

  it("keeps only what is set in a query string, and pages keep the rest of the address", () => {
    expect(queryString({ q: "cat", types: ["object", "ocr"], label: "", offset: 0 })).toBe(
      "?q=cat&types=object%2Cocr&offset=0",
    );
    expect(queryString({ q: "", types: [] })).toBe("");
    expect(withOffset("/search", p("q=cat&offset=20"), 40)).toBe("/search?q=cat&offset=40");
    expect(withOffset("/search", p("q=cat&offset=20"), 0)).toBe("/search?q=cat");
  });

  it("reads the library's filters, missing videos included", () => {
    expect(parseLibraryState(p("status=missing&sort=size&order=asc&offset=24&path_contains=hol"))).toEqual({
      status: "missing",
      pathContains: "hol",
      sort: "size",
      order: "asc",
      offset: 24,
    });
    expect(parseLibraryState(p("status=bogus&sort=constructor"))).toMatchObject({
      status: "",
      sort: "discovered_at",
      order: "desc",
      offset: 0,
    });
    expect(libraryHref({ status: "missing", pathContains: " a ", sort: "path", order: "asc" })).toBe(
      "/?status=missing&path_contains=a&sort=path&order=asc",
    );
  });

  it("round-trips the search state and ignores unknown types", () => {
    const state = parseSearchState(p("q=thursday&types=transcript,bogus&offset=20"));
    expect(state).toEqual({
      q: "thursday",
      types: ["transcript"],
      label: "",
      lang: "",
      speaker: "",
      sort: "",
      offset: 20,
    });
    expect(parseSearchState(p("sort=time")).sort).toBe("time");
    expect(parseSearchState(p("sort=bogus")).sort).toBe("");
    expect(parseSearchState(p("offset=-5")).offset).toBe(0);
    expect(searchApiParams(state)).toEqual({ q: "thursday", types: ["transcript"] });
    expect(hitHref({ video_id: "v1", start_ms: 4200 }, state)).toBe("/videos/v1?q=thursday&types=transcript&t=4.200");
    expect(searchHref(state)).toBe("/search?q=thursday&types=transcript");
    expect(isSearching(state)).toBe(true);
    expect(isSearching(parseSearchState(p("sort=time")))).toBe(false);
  });

  it("keeps the language of speech asked for, in the address and for the API", () => {
    const state = parseSearchState(p("q=%22thursday+morning%22+-rain&lang=fr"));
    expect(state.q).toBe('"thursday morning" -rain');
    expect(searchApiParams(state)).toEqual({ q: '"thursday morning" -rain', lang: "fr" });
    expect(searchHref(state)).toBe("/search?q=%22thursday+morning%22+-rain&lang=fr");
    expect(isSearching(parseSearchState(p("lang=de")))).toBe(true);
  });

  it("keeps the speaker asked for (an id only), in the address and for the API", () => {
    const id = "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60";
    const state = parseSearchState(p(`speaker=${id.toUpperCase()}&q=engine`));
    expect(state.speaker).toBe(id);
    expect(searchApiParams(state)).toEqual({ q: "engine", speaker: id });
    expect(searchHref(state)).toBe(`/search?q=engine&speaker=${id}`);
    expect(isSearching(parseSearchState(p(`speaker=${id}`)))).toBe(true);
    expect(parseSearchState(p("speaker=ada")).speaker).toBe("");
    expect(speakersHref("  ada ")).toBe("/speakers?q=ada");
    expect(speakersHref("")).toBe("/speakers");
  });

  it("reads the time to play from, in seconds", () => {
    expect(startMsOf(p("t=4.2"))).toBe(4200);
    expect(startMsOf(p("t=x"))).toBeNull();
    expect(startMsOf(p(""))).toBeNull();
  });

  it("reads the work page's filters, failed tasks by default", () => {
    expect(parseWorkState(p(""))).toEqual({ status: "FAILED", taskType: "", offset: 0 });
    expect(parseWorkState(p("status=RUNNING&task_type=ocr&offset=50"))).toEqual({
      status: "RUNNING",
      taskType: "ocr",
      offset: 50,
    });
    expect(parseWorkState(p("status=nope&task_type=nope")).status).toBe("FAILED");
    expect(workHref("PENDING", "ocr")).toBe("/work?status=PENDING&task_type=ocr");
  });
});
