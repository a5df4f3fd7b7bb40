import { get, type Hit, type Label, type Page } from "../api";
import { errorBox, h, replace } from "../dom";
import {
  ANALYSES,
  analysisOfMoment,
  fileName,
  formatTime,
  hitHref,
  type MomentType,
  parseSearchState,
  queryString,
  searchApiParams,
  shortcutOf,
  snippetParts,
} from "../logic";
import type { PageContext } from "../main";
import { pager, select } from "./common";

const LIMIT = 20;

export async function searchPage({ main, params, navigate, onLeave }: PageContext): Promise<void> {
  const state = parseSearchState(params);
  document.title = state.q ? `“${state.q}” · Search · Framewise` : "Search · Framewise";

  const input = h("input", {
    id: "q",
    name: "q",
    type: "search",
    value: state.q,
    list: "suggestions",
    autocomplete: "off",
    "aria-keyshortcuts": "/",
  });
  const suggestions = h("datalist", { id: "suggestions" });
  const labelInput = h("input", { id: "label", name: "label", type: "text", value: state.label, list: "suggestions" });
  const boxes = ANALYSES.map((a) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "types", value: a.moment, checked: state.types.includes(a.moment) }),
      ` ${a.name}`,
    ),
  );
  const [sortField, sortSelect] = select(
    "sort",
    "Order",
    [
      ["", "Relevance"],
      ["time", "Library order (video, time)"],
    ],
    state.sort === "time" ? "time" : "",
  );
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Search the library" },
    h("div", { class: "field wide" }, h("label", { for: "q" }, "Search"), input, suggestions),
    h("fieldset", {}, h("legend", {}, "Types"), boxes),
    h("div", { class: "field" }, h("label", { for: "label" }, "Label"), labelInput),
    sortField,
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const types = [...form.querySelectorAll<HTMLInputElement>("input[name=types]:checked")].map(
      (b) => b.value as MomentType,
    );
    const sort = sortSelect.value === "time" ? "time" : "";
    navigate(`/search${queryString({ ...searchApiParams({ q: input.value, types, label: labelInput.value, sort, offset: 0 }) })}`);
  });

  // Suggestions from /labels: the labels and words the library has, for what is being typed.
  let pending: number | undefined;
  const suggest = (prefix: string): void => {
    window.clearTimeout(pending);
    pending = window.setTimeout(async () => {
      const kinds = state.types.length ? state.types : (["transcript", "object", "place", "ocr"] as MomentType[]);
      const lists = await Promise.all(
        kinds.map((type) =>
          get<{ items: Label[] }>(`/api/v1/labels${queryString({ type, prefix: prefix.trim(), limit: 8 })}`).catch(
            () => ({ items: [] as Label[] }),
          ),
        ),
      );
      const seen = new Set<string>();
      replace(
        suggestions,
        lists
          .flatMap((l) => l.items)
          .filter((l) => !seen.has(l.label) && seen.add(l.label))
          .map((l) => h("option", { value: l.label }, `${analysisOfMoment(l.type)?.name ?? l.type} · ${l.moments}`)),
      );
    }, 200);
  };
  input.addEventListener("input", () => suggest(input.value));
  labelInput.addEventListener("input", () => suggest(labelInput.value));
  onLeave(() => window.clearTimeout(pending));

  const onKey = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement;
    const inText = target.matches("input, textarea, select, [contenteditable]");
    if (shortcutOf(event.key, inText, event.ctrlKey || event.metaKey || event.altKey) === "search") {
      event.preventDefault();
      input.focus();
    }
  };
  document.addEventListener("keydown", onKey);
  onLeave(() => document.removeEventListener("keydown", onKey));

  replace(main, h("h1", {}, "Search"), form);
  if (!state.q && !state.label && !state.types.length) {
    main.append(h("p", { class: "help" }, "Find where something was said, shown or seen. Press / to search."));
    input.focus();
    suggest("");
    return;
  }
  const query = queryString({ ...searchApiParams(state), limit: LIMIT, offset: state.offset });
  let page: Page<Hit>;
  try {
    page = await get<Page<Hit>>(`/api/v1/search${query}`);
  } catch (error) {
    main.append(errorBox(error instanceof Error ? error.message : String(error)));
    return;
  }
  const results = h("ol", { class: "hits", "aria-label": "Results", start: state.offset + 1 });
  for (const hit of page.items) {
    const snippet = h(
      "span",
      { class: "snippet" },
      snippetParts(hit.snippet).map((p) => (p.mark ? h("mark", {}, p.text) : p.text)),
    );
    const kind = analysisOfMoment(hit.type)?.name ?? hit.type;
    results.append(
      h(
        "li",
        {},
        h(
          "a",
          { href: hitHref(hit, state), class: "hit" },
          h("img", { src: hit.thumbnail_url, alt: "", width: 160, height: 90, loading: "lazy" }),
          h(
            "span",
            { class: "hit-text" },
            snippet,
            h("span", { class: "meta" }, `${kind} · ${fileName(hit.video_path)} · ${formatTime(hit.start_ms)}`),
          ),
        ),
      ),
    );
  }
  main.append(
    h("p", { role: "status" }, page.total === 1 ? "1 moment" : `${page.total} moments`),
    page.items.length ? results : h("p", { class: "empty" }, "Nothing matches. Try another word or fewer filters."),
    pager("/search", params, page.total, LIMIT, state.offset, page.items.length),
  );
}
