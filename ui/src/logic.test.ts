import { describe, expect, it } from "vitest";
import {
  activeIndex,
  anyActive,
  boxOf,
  boxPercent,
  bulkConfirmation,
  chipText,
  fileName,
  formatDuration,
  formatTime,
  groupByVideo,
  hitHref,
  itemsAt,
  pageInfo,
  parseRoute,
  parseSearchState,
  placeOnLane,
  queryString,
  searchApiParams,
  shortcutOf,
  snippetParts,
  tasksInLaneOrder,
  tasksOfVideos,
  visibleText,
  windowAround,
} from "./logic";

describe("formatting", () => {
  it("formats durations and times", () => {
    expect(formatDuration(14_000)).toBe("0:14");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(-1)).toBe("–");
    expect(formatTime(4_250)).toBe("0:04.2");
    expect(fileName("a/b/clip.mp4")).toBe("clip.mp4");
  });

  it("says a task's state, with progress while it runs", () => {
    expect(chipText({ task_type: "transcription", status: "RUNNING", progress: 0.449 })).toBe("Transcript: running 45%");
    expect(chipText({ task_type: "ocr", status: "FAILED", progress: 0 })).toBe("On-screen text: failed");
    expect(anyActive([{ task_type: "ocr", status: "COMPLETED", progress: 1 }])).toBe(false);
    expect(anyActive([{ task_type: "ocr", status: "PENDING", progress: 0 }])).toBe(true);
  });

  it("orders tasks as the lanes are ordered", () => {
    const tasks = ["place_detection", "scene_detection", "ocr"].map((t) => ({
      task_type: t,
      status: "COMPLETED" as const,
      progress: 1,
    }));
    expect(tasksInLaneOrder(tasks).map((t) => t.task_type)).toEqual(["scene_detection", "ocr", "place_detection"]);
  });

  it("pages", () => {
    expect(pageInfo(120, 50, 0, 50)).toEqual({ text: "1–50 of 120", previousOffset: null, nextOffset: 50 });
    expect(pageInfo(120, 50, 100, 20)).toEqual({ text: "101–120 of 120", previousOffset: 50, nextOffset: null });
    expect(pageInfo(0, 50, 0, 0).text).toBe("nothing found");
  });
});

describe("the library's chips", () => {
  it("asks for the tasks of every video on the page in one listing", () => {
    const query = new URLSearchParams(tasksOfVideos(["a", "b", "c"]));
    expect(query.getAll("video_id")).toEqual(["a", "b", "c"]);
    expect(query.get("order")).toBe("asc");
    expect(Number(query.get("limit"))).toBeGreaterThanOrEqual(3 * 6);
    expect(Number(new URLSearchParams(tasksOfVideos(Array(100).fill("v"))).get("limit"))).toBe(500);
  });

  it("groups a listing by video, in the order listed", () => {
    const task = (video_id: string, task_type: string) => ({ video_id, task_type, status: "PENDING" as const, progress: 0 });
    const grouped = groupByVideo([task("a", "ocr"), task("b", "ocr"), task("a", "scene_detection")]);
    expect([...grouped.keys()]).toEqual(["a", "b"]);
    expect(grouped.get("a")?.map((t) => t.task_type)).toEqual(["ocr", "scene_detection"]);
    expect(grouped.get("c")).toBeUndefined();
  });
});

describe("routes and URL state", () => {
  it("parses the app's routes", () => {
    expect(parseRoute("/", "").page).toBe("library");
    expect(parseRoute("/search", "?q=x").page).toBe("search");
    expect(parseRoute("/work/", "").page).toBe("work");
    const video = parseRoute("/videos/0F8FAD5B-D9CB-469F-A165-70867728950E", "?t=4.2");
    expect(video).toMatchObject({ page: "video", id: "0f8fad5b-d9cb-469f-a165-70867728950e" });
    expect(parseRoute("/videos/not-an-id", "").page).toBe("missing");
    expect(parseRoute("/elsewhere", "").page).toBe("missing");
  });

  it("keeps only what is set in a query string", () => {
    expect(queryString({ q: "cat", types: ["object", "ocr"], label: "", offset: 0 })).toBe(
      "?q=cat&types=object%2Cocr&offset=0",
    );
    expect(queryString({ q: "", types: [] })).toBe("");
  });

  it("round-trips the search state and ignores unknown types", () => {
    const state = parseSearchState(new URLSearchParams("q=thursday&types=transcript,bogus&offset=20"));
    expect(state).toEqual({ q: "thursday", types: ["transcript"], label: "", sort: "", offset: 20 });
    expect(parseSearchState(new URLSearchParams("sort=time")).sort).toBe("time");
    expect(parseSearchState(new URLSearchParams("sort=bogus")).sort).toBe("");
    expect(parseSearchState(new URLSearchParams("offset=-5")).offset).toBe(0);
    expect(searchApiParams(state)).toEqual({ q: "thursday", types: ["transcript"] });
    expect(hitHref({ video_id: "v1", start_ms: 4200 }, state)).toBe("/videos/v1?q=thursday&types=transcript&t=4.200");
  });

  it("maps keys to shortcuts only outside text fields", () => {
    expect(shortcutOf("n", false, false)).toBe("next");
    expect(shortcutOf("k", false, false)).toBe("previous");
    expect(shortcutOf("/", false, false)).toBe("search");
    expect(shortcutOf("n", true, false)).toBeNull();
    expect(shortcutOf("n", false, true)).toBeNull();
  });
});

describe("snippets", () => {
  it("splits the marked match out and unescapes the text", () => {
    expect(snippetParts("it was <mark>Thursday</mark> &amp; &lt;late&gt;")).toEqual([
      { text: "it was ", mark: false },
      { text: "Thursday", mark: true },
      { text: " & <late>", mark: false },
    ]);
    expect(snippetParts("no match")).toEqual([{ text: "no match", mark: false }]);
    // Escaped markup stays text: nothing in a snippet becomes an element but <mark>.
    expect(snippetParts("&lt;script&gt;x&lt;/script&gt;")).toEqual([{ text: "<script>x</script>", mark: false }]);
  });
});

describe("timeline", () => {
  it("places moments on a lane, clickable however short", () => {
    expect(placeOnLane({ start_ms: 2000, end_ms: 4000 }, 10_000)).toEqual({ leftPct: 20, widthPct: 20 });
    const tiny = placeOnLane({ start_ms: 9990, end_ms: 9990 }, 10_000);
    expect(tiny.widthPct).toBeGreaterThanOrEqual(0.6);
    expect(tiny.leftPct + tiny.widthPct).toBeLessThanOrEqual(100);
    const past = placeOnLane({ start_ms: 12_000, end_ms: 15_000 }, 10_000);
    expect(past.leftPct + past.widthPct).toBeLessThanOrEqual(100);
  });

  it("finds the segment playing now", () => {
    const spans = [
      { start_ms: 0, end_ms: 1000 },
      { start_ms: 1500, end_ms: 3000 },
      { start_ms: 3000, end_ms: 5000 },
    ];
    expect(activeIndex(spans, 500)).toBe(0);
    expect(activeIndex(spans, 1200)).toBe(-1); // a gap
    expect(activeIndex(spans, 3000)).toBe(2);
    expect(activeIndex(spans, 6000)).toBe(-1);
    expect(activeIndex([], 10)).toBe(-1);
  });

  it("aligns the artifact window to blocks", () => {
    expect(windowAround(12_345)).toEqual({ start_ms: 10_000, end_ms: 20_000 });
  });
});

describe("boxes", () => {
  const item = (type: string, t: number, payload: Record<string, unknown>) => ({
    artifact_type: type,
    span_start_ms: t,
    payload,
  });
  const box = { x1: 10, y1: 20, x2: 110, y2: 70 };

  it("takes a bbox or a polygon's bounds", () => {
    expect(boxOf({ bbox: box })).toEqual(box);
    expect(
      boxOf({
        polygon: [
          { x: 5, y: 9 },
          { x: 50, y: 2 },
          { x: 40, y: 30 },
        ],
      }),
    ).toEqual({ x1: 5, y1: 2, x2: 50, y2: 30 });
    expect(boxOf({ text: "hello" })).toBeNull();
    expect(boxPercent(box, 200, 100)).toEqual({ leftPct: 5, topPct: 20, widthPct: 50, heightPct: 50 });
  });

  it("shows per analysis the sampled frame nearest now, and nothing past the tolerance", () => {
    const items = [
      item("object", 1000, { label: "cat", bbox: box }),
      item("object", 2000, { label: "cat", bbox: box }),
      item("object", 2000, { label: "cup", bbox: box }),
      item("face", 3000, { bbox: box }),
      item("transcript_segment", 2000, { text: "hi" }),
    ];
    const at = itemsAt(items, 1900, 600);
    expect(at.map((i) => `${i.artifact_type}@${i.span_start_ms}:${String(i.payload.label)}`)).toEqual([
      "object@2000:cat",
      "object@2000:cup",
    ]);
    expect(itemsAt(items, 5000, 600)).toEqual([]);
  });
});

describe("names shown as they are", () => {
  it("makes control characters visible and never lets bidi controls reorder a name", () => {
    expect(visibleText("line\nbreak.mp4")).toBe("line\u240Abreak.mp4");
    expect(visibleText("esc\u001b[31mred.mp4")).toBe("esc\u241B[31mred.mp4");
    expect(visibleText("tab\there\u007f")).toBe("tab\u2409here\u2421");
    expect(visibleText("clip\u202Egpj.mp4")).toBe("clip<U+202E>gpj.mp4");
    expect(visibleText("a\u200Bb\u2066c\u0085d")).toBe("a<U+200B>b<U+2066>c<U+0085>d");
    expect(visibleText("Café 東京 ñ.mp4")).toBe("Café 東京 ñ.mp4");
    expect(fileName("dir/evil\nname.mp4")).toBe("evil\u240Aname.mp4");
  });
});

describe("bulk actions", () => {
  it("says what acting on every selected task will do before it is done", () => {
    expect(bulkConfirmation("retry", 12, "FAILED", "Transcript")).toBe(
      "Retry all 12 failed Transcript tasks? Each is queued again as a new attempt.",
    );
    expect(bulkConfirmation("cancel", 1, "PENDING")).toBe("Cancel all 1 pending task? Running ones are stopped.");
  });
});
