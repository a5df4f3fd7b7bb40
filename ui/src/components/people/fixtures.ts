// A fake API of people for the tests of the People pages and their parts.
import type { Appearance, Person, RegroupStatus } from "../../api/types";
import { type Asked, fakeApi } from "../../testing";

export const ADA = "6a0f3c2e-9b1d-4e7a-8c5f-2d3b4a6e8f10";
export const BOB = "9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f";
export const VIDEO = "0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c";
export const FACE = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

export const person = (id: string, name: string | null, faces = 2): Person => ({
  id,
  name,
  faces,
  videos: 1,
  thumbnail_url: `/api/v1/videos/${VIDEO}/thumbnail?t_ms=1000&width=320&sig=s`,
  thumbnail_box: { x1: 10, y1: 20, x2: 110, y2: 150 },
});
export const appearance: Appearance = {
  face_id: FACE,
  video_id: VIDEO,
  video_path: "clips/ada.mp4",
  start_ms: 2000,
  end_ms: 4000,
  best_ms: 3000,
  box: { x1: 10, y1: 20, x2: 110, y2: 150 },
  thumbnail_url: `/api/v1/videos/${VIDEO}/thumbnail?t_ms=3000&width=320&sig=s`,
  stream_url: `/api/v1/videos/${VIDEO}/stream?sig=s#t=2.000`,
};
const video = { id: VIDEO, width: 640, height: 360 };
const page = <T>(items: T[]) => ({ items, total: items.length, limit: 48, offset: 0 });

let stopping = (): void => undefined;

/** Takes the fake API away (after each test). */
export function stopApi(): void {
  stopping();
}

export const regroupStatus = (
  state: RegroupStatus["state"],
  placed = 0,
  total = 0,
  last: RegroupStatus["last"] = null,
): RegroupStatus => ({
  state,
  requested_at: null,
  started_at: null,
  finished_at: null,
  placed,
  total,
  last,
});

/** A fake API: the people listing, one person, their appearances, a video's size, the re-grouping's
 * status as `regrouping` says; writes as `write` says. */
export function api(
  people: Person[],
  write: (asked: Asked) => { status: number; body?: unknown } = () => ({ status: 200, body: {} }),
  regrouping: () => RegroupStatus = () => regroupStatus("idle"),
) {
  const fake = fakeApi((asked) => {
    if (asked.method !== "GET") return write(asked);
    if (asked.path === "/api/v1/persons/regroup") return { status: 200, body: regrouping() };
    if (asked.path === "/api/v1/persons") {
      const q = new URLSearchParams(asked.query).get("q")?.toLowerCase() ?? "";
      return { status: 200, body: page(people.filter((p) => (p.name ?? "").toLowerCase().startsWith(q))) };
    }
    if (asked.path === `/api/v1/videos/${VIDEO}`) return { status: 200, body: video };
    if (asked.path.endsWith("/appearances")) return { status: 200, body: page([appearance]) };
    const one = people.find((p) => asked.path === `/api/v1/persons/${p.id}`);
    return one ? { status: 200, body: one } : { status: 404, body: { title: "Not Found", detail: "No such person" } };
  });
  stopping = fake.stop;
  return fake.asked;
}
