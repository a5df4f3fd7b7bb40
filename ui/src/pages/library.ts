import { get, type Page, type Task, thumbnailUrl, type Video } from "../api";
import { errorBox, h, replace } from "../dom";
import {
  anyActive,
  fileName,
  formatDuration,
  groupByVideo,
  queryString,
  tasksInLaneOrder,
  tasksOfVideos,
  visibleText,
} from "../logic";
import type { PageContext } from "../main";
import { chip, pager, select } from "./common";

const LIMIT = 24;
const POLL_MS = 3000;

export async function libraryPage({ main, params, navigate, onLeave }: PageContext): Promise<void> {
  document.title = "Library · Framewise";
  const status = params.get("status") ?? "";
  const contains = params.get("path_contains") ?? "";
  const sort = params.get("sort") ?? "discovered_at";
  const order = params.get("order") ?? "desc";
  const offset = Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0);

  const [statusField, statusSelect] = select(
    "status",
    "Status",
    [
      ["", "Any"],
      ["ready", "Ready"],
      ["invalid", "Invalid"],
    ],
    status,
  );
  const [sortField, sortSelect] = select(
    "sort",
    "Sort by",
    [
      ["discovered_at", "Discovered"],
      ["path", "Path"],
      ["size", "Size"],
      ["duration", "Duration"],
    ],
    sort,
  );
  const [orderField, orderSelect] = select(
    "order",
    "Order",
    [
      ["desc", "Descending"],
      ["asc", "Ascending"],
    ],
    order,
  );
  const pathInput = h("input", { id: "path_contains", name: "path_contains", type: "search", value: contains });
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter videos" },
    statusField,
    h("div", { class: "field" }, h("label", { for: "path_contains" }, "Path contains"), pathInput),
    sortField,
    orderField,
    h("button", { type: "submit" }, "Apply"),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(
      "/" +
        queryString({
          status: statusSelect.value,
          path_contains: pathInput.value.trim(),
          sort: sortSelect.value,
          order: orderSelect.value,
        }),
    );
  });

  const list = h("ul", { class: "videos", "aria-label": "Videos" });
  replace(main, h("h1", {}, "Library"), filters, list);

  const query = queryString({ status, path_contains: contains, sort, order, limit: LIMIT, offset });
  const page = await get<Page<Video>>(`/api/v1/videos${query}`);
  if (page.items.length === 0) {
    list.replaceWith(
      h("p", { class: "empty" }, contains || status ? "No video matches these filters." : "No videos yet: add some to a media folder."),
    );
    return;
  }
  const rows = new Map<string, HTMLElement>();
  for (const video of page.items) {
    const chips = h("ul", { class: "chips", "aria-label": "Analyses" });
    rows.set(video.id, chips);
    const thumbTime = Math.min(1000, (video.duration_ms ?? 0) / 2);
    list.append(
      h(
        "li",
        { class: "video" },
        video.status === "ready"
          ? h("img", { src: thumbnailUrl(video.id, thumbTime, 240), alt: "", width: 240, height: 135, loading: "lazy" })
          : h("div", { class: "no-thumb" }, "not playable"),
        h(
          "div",
          { class: "facts" },
          h("h2", {}, h("a", { href: `/videos/${video.id}` }, fileName(video.path))),
          h("p", { class: "meta" }, `${formatDuration(video.duration_ms)} · ${visibleText(video.path)}`),
          video.error ? errorBox(`Invalid: ${video.error}`) : null,
          chips,
        ),
      ),
    );
  }
  main.append(pager("/", params, page.total, LIMIT, offset, page.items.length));

  // Live progress: the chips of the videos on this page, from one request for all their tasks, polled
  // while any of them runs (six tasks a video: the page's 24 videos fit in one listing).
  let timer: number | undefined;
  let stopped = false;
  onLeave(() => {
    stopped = true;
    window.clearTimeout(timer);
  });
  const ids = page.items.map((video) => video.id);
  const refresh = async (): Promise<void> => {
    let active = false;
    try {
      const tasks = await get<Page<Task>>(`/api/v1/tasks?${tasksOfVideos(ids)}`);
      const byVideo = groupByVideo(tasks.items);
      for (const id of ids) replace(rows.get(id) as HTMLElement, tasksInLaneOrder(byVideo.get(id) ?? []).map(chip));
      active = anyActive(tasks.items);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const id of ids) replace(rows.get(id) as HTMLElement, errorBox(message));
    }
    if (active && !stopped) timer = window.setTimeout(() => void refresh(), POLL_MS);
  };
  await refresh();
}
