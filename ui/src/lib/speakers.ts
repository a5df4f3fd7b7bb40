// Speakers: what one is called, where their turns are in a transcript, the colour that tells them apart,
// and the addresses of their pages.
import { queryString } from "./urls";

/** Who speaks, as transcript items, hits and moments carry it. */
export interface SpeakerRef {
  id: string;
  name: string | null;
  number: number;
}

export const speakerHref = (id: string): string => `/speakers/${id}`;

/** What a speaker is called here: their name, or "Speaker 3" until someone names them. */
export function speakerName(speaker: { name: string | null; number: number }): string {
  return speaker.name ?? `Speaker ${speaker.number}`;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "12 turns · 3 videos". */
export function speakerCountsText(segments: number, videos: number): string {
  return `${plural(segments, "turn")} · ${plural(videos, "video")}`;
}

/** What a merge says it did: "Merged 2 speakers into Ada Lovelace (5 turns moved)." */
export function mergedSpeakersText(merged: number, into: string, moved: number): string {
  return `Merged ${plural(merged, "speaker")} into ${into} (${plural(moved, "turn")} moved).`;
}

/** Whether line `index` of a transcript starts a run of its speaker (so the speaker is shown there): the
 * first line with a speaker, and each line whose speaker is not the one of the line before. A line
 * without a speaker starts none. */
export function startsRun(lines: readonly { speaker?: SpeakerRef | null }[], index: number): boolean {
  const here = lines[index]?.speaker;
  if (!here) return false;
  return lines[index - 1]?.speaker?.id !== here.id;
}

/** A speaker's turn on the timeline: consecutive transcript lines of one speaker, from the first's start
 * to the last's end; `first` is the index of its first line. */
export interface Turn<T> {
  speaker: SpeakerRef;
  start_ms: number;
  end_ms: number;
  first: T;
}

/** The turns of a transcript in time order: each run of consecutive lines by one speaker is one turn
 * (lines without a speaker end a run and start none). */
export function speakerTurns<T extends { start_ms: number; end_ms: number; speaker?: SpeakerRef | null }>(
  lines: readonly T[],
): Turn<T>[] {
  const turns: Turn<T>[] = [];
  let last: Turn<T> | null = null;
  let previous: SpeakerRef | null = null;
  for (const line of lines) {
    const speaker = line.speaker ?? null;
    if (speaker === null) {
      last = null;
    } else if (last !== null && previous?.id === speaker.id) {
      last.end_ms = Math.max(last.end_ms, line.end_ms);
    } else {
      last = { speaker, start_ms: line.start_ms, end_ms: line.end_ms, first: line };
      turns.push(last);
    }
    previous = speaker;
  }
  return turns;
}

/** Eight colours that read on the lane's light track and carry white text's contrast (4.5:1 or more). */
export const SPEAKER_COLOURS = [
  "#6d28d9",
  "#0369a1",
  "#a16207",
  "#15803d",
  "#be123c",
  "#4338ca",
  "#0f766e",
  "#9d174d",
] as const;

/** A speaker's colour: by their library number, so one voice keeps one colour on every video. */
export function speakerColour(number: number): string {
  const n = SPEAKER_COLOURS.length;
  return SPEAKER_COLOURS[(((Math.trunc(number) - 1) % n) + n) % n] as string;
}

/** The player's address for a speaker's turn: its video at its start, with the speaker's turns as the
 * search (so next/previous go through what they said). */
export function turnHref(speakerId: string, turn: { video_id: string; start_ms: number }): string {
  return `/videos/${turn.video_id}${queryString({
    types: "transcript",
    speaker: speakerId,
    t: (turn.start_ms / 1000).toFixed(3),
  })}`;
}

/** The search for what a speaker said, in library order (their transcript lines: a named speaker's own
 * moments would say each turn twice). */
export function saidHref(speakerId: string): string {
  return `/search${queryString({ types: "transcript", speaker: speakerId, sort: "time" })}`;
}
