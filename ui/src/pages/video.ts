import { type Artifact, get, type Hit, type Jump, type Page, type Task, type Video } from "../api";
import { errorBox, h, replace } from "../dom";
import {
  ANALYSES,
  activeIndex,
  type Analysis,
  boxOf,
  boxPercent,
  fileName,
  formatDuration,
  formatTime,
  hitHref,
  itemLabel,
  itemsAt,
  parseSearchState,
  placeOnLane,
  queryString,
  searchApiParams,
  shortcutOf,
  type Span,
  tasksInLaneOrder,
  windowAround,
  visibleText,
} from "../logic";
import type { PageContext } from "../main";
import { chip } from "./common";

const MAX_MOMENTS_PER_LANE = 2000;
const BOXED_TYPES = ["object", "face", "ocr_text"];
const BOX_TOLERANCE_MS = 600;

interface Selected {
  what: string;
  span: Span;
  runId?: string;
  artifact?: Artifact;
}

/** A lane's moments in time order, a page of 100 at a time (at most MAX_MOMENTS_PER_LANE of them):
 * `draw` gets each page as it arrives, with how many moments there are in all. */
async function laneMoments(
  videoId: string,
  analysis: Analysis,
  draw: (page: Hit[], total: number) => void,
  stopped: () => boolean,
): Promise<void> {
  for (let offset = 0; offset < MAX_MOMENTS_PER_LANE && !stopped(); offset += 100) {
    const query = queryString({ video_id: videoId, types: analysis.moment, sort: "time", limit: 100, offset });
    const page = await get<Page<Hit>>(`/api/v1/search${query}`);
    if (stopped()) return;
    draw(page.items, page.total);
    if (offset + page.items.length >= page.total || page.items.length === 0) return;
  }
}

function provenanceList(provenance: Record<string, unknown>): HTMLElement {
  const rows = Object.entries(provenance).flatMap(([key, value]) => [
    h("dt", {}, key),
    h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value)),
  ]);
  return h("dl", { class: "provenance" }, rows);
}

export async function videoPage({ main, params, navigate, onLeave }: PageContext, id: string): Promise<void> {
  const video = await get<Video>(`/api/v1/videos/${id}`);
  const name = fileName(video.path);
  document.title = `${name} · Framewise`;
  const duration = video.duration_ms ?? 0;
  const search = parseSearchState(params);
  const startS = Number.parseFloat(params.get("t") ?? "");

  const player = h("video", {
    id: "player",
    controls: true,
    preload: "auto",
    src: `/api/v1/videos/${id}/stream`,
    "aria-label": `Video: ${name}`,
  });
  player.append(
    h("track", {
      kind: "captions",
      src: `/api/v1/videos/${id}/captions.vtt`,
      srclang: "en",
      label: "Transcript",
      default: true,
    }),
  );
  const overlay = h("div", { class: "boxes", "aria-hidden": "true" });
  const frame = h("div", { class: "frame" }, player, overlay);
  if (video.width && video.height) frame.style.aspectRatio = `${video.width} / ${video.height}`;

  const clock = h("p", { class: "clock", "aria-live": "off" }, "0:00.0");
  const seek = (ms: number): void => {
    player.currentTime = Math.max(0, ms / 1000);
  };

  // Next / previous across the library, when the page was opened from a search.
  const jumpStatus = h("p", { class: "jump-status", role: "status" });
  let jumpBar: HTMLElement | null = null;
  // The hit being shown (from the address): a jump steps from it, even if the player's clock
  // reads a frame before its start after seeking; from the playing time once played past it.
  let hitMs: number | null = Number.isFinite(startS) ? Math.round(startS * 1000) : null;
  const jump = async (direction: "next" | "previous"): Promise<void> => {
    const now = Math.round(player.currentTime * 1000);
    const atMs = hitMs === null ? now : direction === "next" ? Math.max(now, hitMs) : Math.min(now, hitMs);
    const query = queryString({ ...searchApiParams(search), video_id: id, at_ms: atMs });
    jumpStatus.textContent = "Looking…";
    try {
      const found = await get<Jump>(`/api/v1/search/${direction}${query}`);
      if (!found.hit) {
        jumpStatus.textContent = "No other moment matches.";
        return;
      }
      const note = found.wrapped ? " (from the other end of the library)" : "";
      jumpStatus.textContent = `${direction === "next" ? "Next" : "Previous"}: ${found.hit.text} at ${formatTime(found.hit.start_ms)}${note}`;
      if (found.hit.video_id === id) {
        hitMs = found.hit.start_ms;
        seek(found.hit.start_ms);
        history.replaceState(null, "", hitHref(found.hit, search));
      } else {
        navigate(hitHref(found.hit, search));
      }
    } catch (error) {
      jumpStatus.textContent = error instanceof Error ? error.message : String(error);
    }
  };
  if (search.q || search.label || search.types.length) {
    const previous = h("button", { type: "button", "aria-keyshortcuts": "p" }, "← Previous hit");
    const next = h("button", { type: "button", "aria-keyshortcuts": "n" }, "Next hit →");
    previous.addEventListener("click", () => void jump("previous"));
    next.addEventListener("click", () => void jump("next"));
    const back = h("a", { href: `/search${queryString({ ...searchApiParams(search) })}` }, "Back to the results");
    jumpBar = h(
      "div",
      { class: "jumps", role: "group", "aria-label": `Hits for “${search.q || search.label}”` },
      previous,
      next,
      back,
      h("span", { class: "help" }, "Keys: n next, p previous"),
      jumpStatus,
    );
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement;
      const inText = target.matches("input, textarea, select, [contenteditable]");
      const action = shortcutOf(event.key, inText, event.ctrlKey || event.metaKey || event.altKey);
      if (action === "next" || action === "previous") {
        event.preventDefault();
        void jump(action);
      }
    };
    document.addEventListener("keydown", onKey);
    onLeave(() => document.removeEventListener("keydown", onKey));
  }

  // Details of the selected item, with its provenance on demand.
  const details = h("section", { class: "details", "aria-labelledby": "details-title" });
  const select = (item: Selected): void => {
    const button = h("button", { type: "button" }, "Show provenance");
    const body = h("div", {});
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        let artifact = item.artifact;
        if (!artifact) {
          const query = queryString({
            video_id: id,
            run_id: item.runId,
            start_ms: item.span.start_ms,
            end_ms: Math.max(item.span.end_ms, item.span.start_ms + 1),
            limit: 1,
          });
          artifact = (await get<Page<Artifact>>(`/api/v1/artifacts${query}`)).items[0];
        }
        replace(body, artifact ? provenanceList(artifact.provenance) : errorBox("No stored item has this run."));
      } catch (error) {
        replace(body, errorBox(error instanceof Error ? error.message : String(error)));
      } finally {
        button.disabled = false;
      }
    });
    replace(
      details,
      h("h2", { id: "details-title" }, "Selected"),
      h("p", {}, `${item.what}, ${formatTime(item.span.start_ms)}–${formatTime(item.span.end_ms)}`),
      button,
      body,
    );
  };
  replace(details, h("h2", { id: "details-title" }, "Selected"), h("p", { class: "help" }, "Choose a moment or a box."));

  // The timeline: one lane per analysis, in their fixed order, each filled page by page as its
  // moments arrive (the player and the rest of the page do not wait for them); a click seeks there.
  let left = false;
  onLeave(() => {
    left = true;
  });
  const playheads: HTMLElement[] = [];
  const toFill: Array<[Analysis, HTMLElement, HTMLElement]> = [];
  const lanes = h("div", { class: "timeline", role: "group", "aria-label": "Timeline" });
  const transcriptList = h("ol", { class: "transcript-list" });
  const transcriptBody = h("div", {}, h("p", { class: "help" }, "Loading the transcript…"));
  let segments: Hit[] = [];
  let transcriptItems: HTMLElement[] = [];
  const drawTranscript = (said: Hit[]): void => {
    segments = said;
    transcriptItems = said.map((s) => {
      const item = h(
        "button",
        { type: "button", class: "segment" },
        h("span", { class: "time" }, formatTime(s.start_ms)),
        " ",
        s.text,
      );
      item.addEventListener("click", () => {
        seek(s.start_ms);
        select({ what: `Transcript: ${s.text}`, span: s, runId: s.run_id });
      });
      return item;
    });
    replace(transcriptList, transcriptItems.map((item) => h("li", {}, item)));
    replace(
      transcriptBody,
      said.length ? transcriptList : h("p", { class: "help" }, "Nothing was said, or the transcript is not ready."),
    );
    lastActive = -1;
    onTime(); // mark the segment being played now
  };
  const fillLane = async (analysis: Analysis, laneName: HTMLElement, track: HTMLElement): Promise<void> => {
    const found: Hit[] = [];
    try {
      await laneMoments(
        id,
        analysis,
        (page, total) => {
          for (const m of page) {
            const place = placeOnLane(m, duration);
            const label = `${analysis.name}: ${m.text} at ${formatTime(m.start_ms)}`;
            const button = h("button", {
              type: "button",
              class: "moment",
              title: label,
              "aria-label": label,
              tabindex: found.length === 0 ? 0 : -1,
            });
            button.style.left = `${place.leftPct}%`;
            button.style.width = `${place.widthPct}%`;
            button.addEventListener("click", () => {
              seek(m.start_ms);
              select({ what: label, span: m, runId: m.run_id });
            });
            track.append(button);
            found.push(m);
          }
          if (found.length >= MAX_MOMENTS_PER_LANE && total > found.length) {
            // Never cut silently: the lane says it shows only the first ones (search finds them all).
            laneName.textContent = `${analysis.name} (first ${found.length} of ${total})`;
          }
        },
        () => left,
      );
    } catch (error) {
      track.append(errorBox(error instanceof Error ? error.message : String(error)));
    }
    if (analysis.moment === "transcript" && !left) drawTranscript(found.slice().sort((a, b) => a.start_ms - b.start_ms));
  };
  for (const analysis of ANALYSES) {
    const track = h("div", { class: "track", role: "group", "aria-label": `${analysis.name} lane` });
    const head = h("div", { class: "playhead", "aria-hidden": "true" });
    playheads.push(head);
    track.append(head);
    const laneName = h("span", { class: "lane-name" }, analysis.name);
    lanes.append(h("div", { class: "lane", "data-lane": analysis.moment }, laneName, track));
    // Arrow keys move along a lane, so a lane is one tab stop however many moments it holds.
    track.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const buttons = [...track.querySelectorAll<HTMLButtonElement>("button.moment")];
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      if (at < 0) return;
      const to = buttons[Math.min(Math.max(at + (event.key === "ArrowRight" ? 1 : -1), 0), buttons.length - 1)];
      buttons[at].tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
      event.preventDefault();
    });
    toFill.push([analysis, laneName, track]);
  }
  const transcript = h(
    "section",
    { class: "transcript", "aria-labelledby": "transcript-title" },
    h("h2", { id: "transcript-title" }, "Transcript"),
    transcriptBody,
  );

  // Boxes of objects, faces and text at the current time, from the artifacts around it.
  const held = new Map<string, Artifact[]>();
  const loading = new Set<string>();
  const here = h("ul", { class: "here", "aria-label": "Boxed items now" });
  const loadWindow = async (tMs: number): Promise<void> => {
    const w = windowAround(tMs);
    const key = `${w.start_ms}`;
    if (held.has(key) || loading.has(key)) return;
    loading.add(key);
    try {
      const pages = await Promise.all(
        BOXED_TYPES.map((type) =>
          get<Page<Artifact>>(
            `/api/v1/videos/${id}/artifacts${queryString({ artifact_type: type, start_ms: w.start_ms, end_ms: w.end_ms, limit: 1000 })}`,
          ),
        ),
      );
      held.set(key, pages.flatMap((p) => p.items));
      drawBoxes();
    } catch {
      held.set(key, []); // the boxes are an extra: a failure leaves the picture bare
    } finally {
      loading.delete(key);
    }
  };
  let lastBoxes = "";
  const drawBoxes = (): void => {
    const tMs = player.currentTime * 1000;
    const items = itemsAt(held.get(`${windowAround(tMs).start_ms}`) ?? [], tMs, BOX_TOLERANCE_MS);
    const signature = items.map((i) => i.id).join();
    if (signature === lastBoxes) return;
    lastBoxes = signature;
    overlay.replaceChildren();
    here.replaceChildren();
    if (!video.width || !video.height) return;
    for (const item of items) {
      const box = boxOf(item.payload);
      if (!box) continue;
      const p = boxPercent(box, video.width, video.height);
      const label = itemLabel(item);
      const el = h("div", { class: `box ${item.artifact_type}` }, h("span", {}, label));
      Object.assign(el.style, {
        left: `${p.leftPct}%`,
        top: `${p.topPct}%`,
        width: `${p.widthPct}%`,
        height: `${p.heightPct}%`,
      });
      overlay.append(el);
      const kind = item.artifact_type === "ocr_text" ? "Text" : item.artifact_type === "face" ? "Face" : "Object";
      const button = h("button", { type: "button", class: "quiet" }, `${kind}: ${label}`);
      button.addEventListener("click", () =>
        select({
          what: `${kind}: ${label}`,
          span: { start_ms: item.span_start_ms, end_ms: item.span_end_ms },
          artifact: item,
        }),
      );
      here.append(h("li", {}, button));
    }
  };

  let lastActive = -1;
  const onTime = (): void => {
    const tMs = player.currentTime * 1000;
    clock.textContent = `${formatTime(tMs)} / ${formatDuration(duration)}`;
    const pct = duration > 0 ? Math.min(100, (tMs / duration) * 100) : 0;
    for (const head of playheads) head.style.left = `${pct}%`;
    const active = activeIndex(segments, tMs);
    if (active !== lastActive) {
      transcriptItems[lastActive]?.removeAttribute("aria-current");
      if (active >= 0) {
        transcriptItems[active].setAttribute("aria-current", "true");
        transcriptItems[active].scrollIntoView({ block: "nearest" });
      }
      lastActive = active;
    }
    void loadWindow(tMs);
    drawBoxes();
  };
  const playerError = h("div", { role: "alert" });
  player.addEventListener("error", () => {
    const code = player.error?.code;
    const why =
      code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED
        ? "the file could not be streamed or this browser cannot decode it"
        : code === MediaError.MEDIA_ERR_NETWORK
          ? "the stream was interrupted"
          : "the browser could not play it";
    replace(playerError, errorBox(`The video cannot be played: ${why}.`));
  });
  player.addEventListener("timeupdate", onTime);
  player.addEventListener("seeked", onTime);
  player.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(startS) && startS > 0) {
      player.currentTime = startS;
      player.play().catch(() => undefined); // a browser may refuse to autoplay: the time is set anyway
    }
    onTime();
  });

  const chips = h("ul", { class: "chips", "aria-label": "Analyses" });
  void get<Page<Task>>(`/api/v1/videos/${id}/tasks`)
    .then((tasks) => replace(chips, tasksInLaneOrder(tasks.items).map(chip)))
    .catch((error: unknown) => replace(chips, errorBox(error instanceof Error ? error.message : String(error))));
  replace(
    main,
    h("h1", {}, name),
    h(
      "p",
      { class: "meta" },
      `${formatDuration(video.duration_ms)} · ${video.width ?? "?"}×${video.height ?? "?"} · ${visibleText(video.path)}`,
    ),
    video.error ? errorBox(`This file cannot be played: ${video.error}`) : null,
    chips,
    jumpBar,
    h(
      "div",
      { class: "watch" },
      h("div", { class: "stage" }, frame, playerError, clock, lanes),
      h("div", { class: "side" }, transcript, h("section", { "aria-labelledby": "here-title" }, h("h2", { id: "here-title" }, "In the picture now"), here), details),
    ),
  );
  void loadWindow(Number.isFinite(startS) ? startS * 1000 : 0);
  for (const [analysis, laneName, track] of toFill) void fillLane(analysis, laneName, track);
}
