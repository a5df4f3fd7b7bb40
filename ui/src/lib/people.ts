// People: what the People and person pages read from their address, how a face is cut out of its
// frame, and which name a face box in the player carries.
import type { Box } from "./boxes";
import { formatTime } from "./format";
import { queryString, videoIdOf } from "./urls";

// ------------------------------------------------------------------------------------- pages

export const personHref = (id: string): string => `/people/${id}`;

/** What a person is called here: their name, or "Unnamed" until someone names them. */
export function displayName(name: string | null | undefined): string {
  return name ?? "Unnamed";
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "3 faces · 1 video". */
export function countsText(faces: number, videos: number): string {
  return `${plural(faces, "face")} · ${plural(videos, "video")}`;
}

/** What to send as a new name: trimmed, and none when left blank (the API takes the name away). */
export function nameToSave(text: string): string | null {
  const name = text.trim().replace(/\s+/g, " ");
  return name ? name : null;
}

/** The player's address for an appearance: its video at its start; a named person's other appearances
 * are its next/previous hits (their person moments). */
export function appearanceHref(a: { video_id: string; start_ms: number }, name: string | null): string {
  const search = name ? { types: "person", label: name } : {};
  return `/videos/${a.video_id}${queryString({ ...search, t: (a.start_ms / 1000).toFixed(3) })}`;
}

/** "0:02.0–0:04.0". */
export function spanText(a: { start_ms: number; end_ms: number }): string {
  return `${formatTime(a.start_ms)}–${formatTime(a.end_ms)}`;
}

/** The video a still of the API shows (`/api/v1/videos/<id>/thumbnail?...`), or null. */
export function videoOfStill(url: string | null | undefined): string | null {
  return videoIdOf(/\/api\/v1\/videos\/([^/?#]+)\/thumbnail/.exec(url ?? "")?.[1]);
}

/** What a merge says it did: "Merged 2 persons into Ada Lovelace (3 faces moved)." */
export function mergedText(merged: number, into: string, facesMoved: number): string {
  return `Merged ${plural(merged, "person")} into ${into} (${plural(facesMoved, "face")} moved).`;
}

export function regroupedText(faces: number, persons: number): string {
  return `Grouped ${plural(faces, "face")} again, into ${plural(persons, "person")}.`;
}

/** The re-group button while one waits for a worker or runs: "Grouping… 120 of 500 faces". */
export function regroupingText(state: "queued" | "running" | "idle", placed: number, total: number): string {
  if (state === "queued") return "Waiting for a worker…";
  if (state === "running") return total > 0 ? `Grouping… ${placed} of ${plural(total, "face")}` : "Grouping…";
  return "Group again";
}

// --------------------------------------------------------------------------------------- crop

export interface Frame {
  width: number;
  height: number;
}

export interface Crop {
  /** The whole frame's size when drawn, in CSS pixels. */
  width: number;
  height: number;
  /** Where the frame's corner is drawn, from the square's corner (zero or negative). */
  left: number;
  top: number;
}

/** The frame drawn so that the face (its box, with `margin` of its size around it) fills a square of
 * `size` pixels: the square shows that part of the frame and hides the rest (overflow: hidden). */
export function faceCrop(box: Box, frame: Frame, size: number, margin = 0.25): Crop {
  const w = Math.max(1, box.x2 - box.x1);
  const h = Math.max(1, box.y2 - box.y1);
  const side = Math.min(Math.max(w, h) * (1 + 2 * margin), Math.max(frame.width, frame.height));
  const scale = size / side;
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  // Kept inside the frame where the frame is large enough, so no empty band shows beside the face.
  const inside = (centre: number, extent: number): number =>
    extent <= side ? (extent - side) / 2 : Math.min(Math.max(centre - side / 2, 0), extent - side);
  const round = (v: number): number => Math.round(v * 100) / 100 || 0; // never -0
  return {
    width: round(frame.width * scale),
    height: round(frame.height * scale),
    left: round(-inside(cx, frame.width) * scale),
    top: round(-inside(cy, frame.height) * scale),
  };
}

// ------------------------------------------------------------------------------ names on boxes

/** A named person's face on the timeline (a person moment); `box` where it is known. */
export interface PersonMoment {
  text: string;
  start_ms: number;
  end_ms: number;
  box?: Box | null;
}

/** A face box drawn at a time. */
export interface FaceAt {
  id: string;
  at_ms: number;
  box: Box;
}

const centre = (b: Box): [number, number] => [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];

function covers(m: PersonMoment, tMs: number): boolean {
  return m.start_ms <= tMs && tMs < Math.max(m.end_ms, m.start_ms + 1);
}

/** The names of the face boxes, by box id. A face box at a time is labelled with the person moments
 * covering that time: all of their names when it is the only face box then (two named people over one
 * box cannot be told apart: both are said); when there are several, each person moment with a known box
 * names the face box nearest its centre (nearest pairs first, one name a box), and one without a box
 * names none (no guess). */
export function faceNames(faces: readonly FaceAt[], moments: readonly PersonMoment[]): Map<string, string> {
  const names = new Map<string, string>();
  const byTime = new Map<number, FaceAt[]>();
  for (const face of faces) byTime.set(face.at_ms, [...(byTime.get(face.at_ms) ?? []), face]);
  for (const [tMs, here] of byTime) {
    const people = moments.filter((m) => covers(m, tMs));
    if (people.length === 0) continue;
    if (here.length === 1) {
      const only = here[0] as FaceAt;
      names.set(only.id, [...new Set(people.map((m) => m.text))].join(" or "));
      continue;
    }
    const pairs: { face: FaceAt; name: string; d: number }[] = [];
    for (const m of people) {
      if (!m.box) continue;
      const [mx, my] = centre(m.box);
      for (const face of here) {
        const [fx, fy] = centre(face.box);
        pairs.push({ face, name: m.text, d: Math.hypot(fx - mx, fy - my) });
      }
    }
    pairs.sort((a, b) => a.d - b.d);
    const named = new Set<string>();
    for (const { face, name, d } of pairs) {
      if (names.has(face.id) || named.has(name) || !Number.isFinite(d)) continue;
      names.set(face.id, name);
      named.add(name);
    }
  }
  return names;
}
