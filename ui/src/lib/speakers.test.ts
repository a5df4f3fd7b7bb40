import { describe, expect, it } from "vitest";
import {
  mergedSpeakersText,
  SPEAKER_COLOURS,
  saidHref,
  speakerColour,
  speakerCountsText,
  speakerName,
  speakerTurns,
  startsRun,
  turnHref,
  type SpeakerRef,
} from "./speakers";
import { parseSearchState, searchApiParams } from "./urls";

const ada: SpeakerRef = { id: "a", name: "Ada Lovelace", number: 1 };
const two: SpeakerRef = { id: "b", name: null, number: 2 };
const line = (speaker: SpeakerRef | null, start_ms: number, end_ms: number) => ({ speaker, start_ms, end_ms });

describe("speakers", () => {
  it("are called by their name, or by their number until named", () => {
    expect(speakerName(ada)).toBe("Ada Lovelace");
    expect(speakerName(two)).toBe("Speaker 2");
    expect(speakerCountsText(1, 1)).toBe("1 turn · 1 video");
    expect(speakerCountsText(12, 3)).toBe("12 turns · 3 videos");
    expect(mergedSpeakersText(1, "Ada", 5)).toBe("Merged 1 speaker into Ada (5 turns moved).");
  });

  it("are shown at the start of each run of their lines; a line without a speaker starts none", () => {
    const lines = [
      line(ada, 0, 1),
      line(ada, 1, 2),
      line(two, 2, 3),
      line(null, 3, 4),
      line(two, 4, 5),
      line(ada, 5, 6),
    ];
    expect(lines.map((_, i) => startsRun(lines, i))).toEqual([true, false, true, false, true, true]);
    expect(startsRun([], 0)).toBe(false);
  });

  it("take turns: consecutive lines of one speaker are one turn, from the first's start to the last's end", () => {
    const lines = [
      line(ada, 0, 1000),
      line(ada, 1200, 2500),
      line(two, 2600, 4000),
      line(null, 4000, 4200),
      line(two, 4300, 5000),
      line(ada, 5000, 6000),
    ];
    const turns = speakerTurns(lines);
    expect(turns.map((t) => [t.speaker.id, t.start_ms, t.end_ms])).toEqual([
      ["a", 0, 2500],
      ["b", 2600, 4000],
      ["b", 4300, 5000], // a line nobody was heard in ends the run
      ["a", 5000, 6000],
    ]);
    expect(turns[0]?.first).toBe(lines[0]);
    expect(speakerTurns([])).toEqual([]);
    expect(speakerTurns([line(null, 0, 1)])).toEqual([]);
  });

  it("keep one colour by their number, every colour in turn", () => {
    const colours = Array.from({ length: SPEAKER_COLOURS.length }, (_, i) => speakerColour(i + 1));
    expect(new Set(colours).size).toBe(SPEAKER_COLOURS.length);
    expect(speakerColour(1 + SPEAKER_COLOURS.length)).toBe(speakerColour(1));
    expect(SPEAKER_COLOURS).toContain(speakerColour(0));
  });

  it("link their turns to the player and their words to search, with the speaker as the search", () => {
    const id = "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60";
    const video = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const href = turnHref(id, { video_id: video, start_ms: 2500 });
    expect(href).toBe(`/videos/${video}?types=transcript&speaker=${id}&t=2.500`);
    const onPlayer = parseSearchState(new URLSearchParams(href.split("?")[1]));
    expect(searchApiParams(onPlayer)).toEqual({ types: ["transcript"], speaker: id });
    expect(saidHref(id)).toBe(`/search?types=transcript&speaker=${id}&sort=time`);
  });
});
