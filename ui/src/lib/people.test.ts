import { describe, expect, it } from "vitest";
import {
  appearanceHref,
  countsText,
  displayName,
  type FaceAt,
  faceCrop,
  faceNames,
  mergedText,
  nameToSave,
  type PersonMoment,
  regroupedText,
  regroupingText,
  spanText,
  videoOfStill,
} from "./people";
import { pageOf, parsePeopleState, peopleHref, personOfPath } from "./urls";

const VIDEO = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("the people pages' addresses and words", () => {
  it("read the name filter and the page from the address, and link a filter's first page", () => {
    expect(parsePeopleState(new URLSearchParams("q=ada&offset=48"))).toEqual({ q: "ada", offset: 48 });
    expect(parsePeopleState(new URLSearchParams("offset=-3"))).toEqual({ q: "", offset: 0 });
    expect(peopleHref("  ada l ")).toBe("/people?q=ada+l");
    expect(peopleHref("")).toBe("/people");
  });

  it("know the People page and a person's page", () => {
    expect(pageOf("/people")).toBe("people");
    expect(pageOf("/people/")).toBe("people");
    expect(pageOf(`/people/${VIDEO.toUpperCase()}`)).toBe("person");
    expect(personOfPath(`/people/${VIDEO}`)).toBe(VIDEO);
    expect(pageOf("/people/nobody")).toBeNull();
  });

  it("say who and how often", () => {
    expect(displayName(null)).toBe("Unnamed");
    expect(displayName("Ada")).toBe("Ada");
    expect(countsText(1, 1)).toBe("1 face · 1 video");
    expect(countsText(14, 3)).toBe("14 faces · 3 videos");
    expect(mergedText(2, "Ada", 5)).toBe("Merged 2 persons into Ada (5 faces moved).");
    expect(regroupedText(1, 1)).toBe("Grouped 1 face again, into 1 person.");
    expect(regroupingText("queued", 0, 0)).toBe("Waiting for a worker…");
    expect(regroupingText("running", 0, 0)).toBe("Grouping…");
    expect(regroupingText("running", 1, 1)).toBe("Grouping… 1 of 1 face");
    expect(regroupingText("running", 120, 500)).toBe("Grouping… 120 of 500 faces");
    expect(regroupingText("idle", 500, 500)).toBe("Group again");
    expect(spanText({ start_ms: 2000, end_ms: 4250 })).toBe("0:02.0–0:04.2");
  });

  it("send a name trimmed, and a blank one as none", () => {
    expect(nameToSave("  Ada   Lovelace ")).toBe("Ada Lovelace");
    expect(nameToSave("   ")).toBeNull();
  });

  it("play an appearance from its start, a named person's other appearances as next/previous", () => {
    const a = { video_id: VIDEO, start_ms: 2500 };
    expect(appearanceHref(a, null)).toBe(`/videos/${VIDEO}?t=2.500`);
    expect(appearanceHref(a, "Ada Lovelace")).toBe(`/videos/${VIDEO}?types=person&label=Ada+Lovelace&t=2.500`);
  });

  it("find the video of a still", () => {
    expect(videoOfStill(`/api/v1/videos/${VIDEO}/thumbnail?t_ms=1&width=320&sig=x`)).toBe(VIDEO);
    expect(videoOfStill(null)).toBeNull();
    expect(videoOfStill("/elsewhere.jpg")).toBeNull();
  });
});

describe("a face cut out of its frame", () => {
  const frame = { width: 640, height: 360 };

  it("scales the frame so the face and its margin fill the square, centred on the face", () => {
    // A 100 px face with a quarter of margin each side: 150 px of frame in 75 px, so half size.
    const crop = faceCrop({ x1: 270, y1: 130, x2: 370, y2: 230 }, frame, 75);
    expect(crop).toEqual({ width: 320, height: 180, left: -122.5, top: -52.5 });
  });

  it("keeps the square inside the frame for a face at its edge", () => {
    const crop = faceCrop({ x1: 0, y1: 0, x2: 100, y2: 100 }, frame, 150);
    expect([crop.left, crop.top]).toEqual([0, 0]);
    const far = faceCrop({ x1: 560, y1: 280, x2: 640, y2: 360 }, frame, 120);
    expect(far.left).toBe(-(640 - 120) * (120 / 120));
    expect(far.top).toBe(-(360 - 120));
  });

  it("centres a face as large as the frame, never scaling past the frame", () => {
    const crop = faceCrop({ x1: 0, y1: 0, x2: 640, y2: 360 }, frame, 64);
    expect(crop.width).toBe(64);
    expect(crop.top).toBe(14);
  });
});

describe("names on face boxes", () => {
  const box = (x1: number, y1: number, side = 50) => ({ x1, y1, x2: x1 + side, y2: y1 + side });
  const face = (id: string, at_ms: number, b = box(100, 100)): FaceAt => ({ id, at_ms, box: b });
  const ada: PersonMoment = { text: "Ada", start_ms: 2000, end_ms: 4000 };
  const bob: PersonMoment = { text: "Bob", start_ms: 3000, end_ms: 6000 };

  it("names the only face box with the person moment covering its time", () => {
    expect(faceNames([face("f1", 2500)], [ada, bob])).toEqual(new Map([["f1", "Ada"]]));
    expect(faceNames([face("f1", 1999)], [ada, bob])).toEqual(new Map());
    expect(faceNames([face("f1", 4000)], [ada, bob])).toEqual(new Map([["f1", "Bob"]])); // end excluded
  });

  it("says both names when two people cover the only box (it cannot tell which)", () => {
    expect(faceNames([face("f1", 3500)], [ada, bob, { ...ada, start_ms: 3400 }])).toEqual(
      new Map([["f1", "Ada or Bob"]]),
    );
  });

  it("with several boxes, names each by the nearest centre of a person moment's box, one name a box", () => {
    const left = face("L", 3500, box(10, 10));
    const right = face("R", 3500, box(500, 20));
    const people = [
      { ...ada, box: box(480, 0) },
      { ...bob, box: box(40, 30) },
    ];
    expect(faceNames([left, right], people)).toEqual(
      new Map([
        ["R", "Ada"],
        ["L", "Bob"],
      ]),
    );
    // Both nearest the same box: the nearer takes it, the other the box left.
    const crowded = [
      { ...ada, box: box(12, 12) },
      { ...bob, box: box(20, 20) },
    ];
    expect(faceNames([left, right], crowded)).toEqual(
      new Map([
        ["L", "Ada"],
        ["R", "Bob"],
      ]),
    );
  });

  it("guesses no name among several boxes when a person moment's box is not known", () => {
    expect(faceNames([face("L", 3500, box(10, 10)), face("R", 3500, box(500, 20))], [ada])).toEqual(new Map());
  });

  it("matches each sampled frame on its own", () => {
    const names = faceNames([face("a", 2500), face("b", 5000)], [ada, bob]);
    expect(names).toEqual(
      new Map([
        ["a", "Ada"],
        ["b", "Bob"],
      ]),
    );
  });
});
