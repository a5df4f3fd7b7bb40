// A fake API of speakers for the tests of the Speakers pages and the names said in the player.
import type { Speaker, SpeakerTurn } from "../../api/types";
import { type Asked, fakeApi } from "../../testing";

export const ADA = "3c9e2f4a-7b1d-4e6a-9c5f-1d2b3a4e5f60";
export const BOB = "9d2e4f60-1a3b-4c5d-8e7f-0a1b2c3d4e5f";
export const PERSON = "6a0f3c2e-9b1d-4e7a-8c5f-2d3b4a6e8f10";
export const VIDEO = "0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c";

export const speaker = (id: string, name: string | null, number: number, segments = 2): Speaker => ({
  id,
  name,
  number,
  segments,
  videos: 1,
  person_id: null,
  suggestion: null,
});
export const turn = (start_ms: number, text: string): SpeakerTurn => ({
  video_id: VIDEO,
  video_path: "talks/engine.mp4",
  start_ms,
  end_ms: start_ms + 1500,
  text,
  stream_url: `/api/v1/videos/${VIDEO}/stream?sig=s#t=${start_ms / 1000}`,
});
const page = <T>(items: T[]) => ({ items, total: items.length, limit: 50, offset: 0 });

let stopping = (): void => undefined;

/** Takes the fake API away (after each test). */
export function stopApi(): void {
  stopping();
}

/** A fake API: the speakers listing (q a name's beginning), one speaker, their turns; writes as `write` says. */
export function api(
  speakers: Speaker[],
  write: (asked: Asked) => { status: number; body?: unknown } = () => ({ status: 200, body: {} }),
  turns: SpeakerTurn[] = [turn(1500, "Welcome to the show.")],
) {
  const fake = fakeApi((asked) => {
    if (asked.method !== "GET") return write(asked);
    if (asked.path === "/api/v1/speakers") {
      const q = new URLSearchParams(asked.query).get("q")?.toLowerCase() ?? "";
      return { status: 200, body: page(speakers.filter((s) => (s.name ?? "").toLowerCase().startsWith(q))) };
    }
    if (asked.path.endsWith("/appearances")) return { status: 200, body: page(turns) };
    const one = speakers.find((s) => asked.path === `/api/v1/speakers/${s.id}`);
    return one ? { status: 200, body: one } : { status: 404, body: { title: "Not Found", detail: "No such speaker" } };
  });
  stopping = fake.stop;
  return fake.asked;
}
