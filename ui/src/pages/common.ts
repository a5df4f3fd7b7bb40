import type { Task } from "../api";
import { h } from "../dom";
import { chipText, pageInfo, queryString } from "../logic";

/** One status chip per analysis: the state in words (never colour alone) and a progress bar. */
export function chip(task: Task): HTMLElement {
  const text = chipText(task);
  const item = h("li", { class: `chip ${task.status.toLowerCase()}`, title: task.error ?? text }, text);
  if (task.status === "RUNNING") {
    item.append(
      h("progress", { max: 1, value: task.progress.toFixed(3), "aria-label": `${text} progress` }),
    );
  }
  return item;
}

/** Previous / next page links that keep the other parameters of the address. */
export function pager(
  path: string,
  params: URLSearchParams,
  total: number,
  limit: number,
  offset: number,
  shown: number,
): HTMLElement {
  const info = pageInfo(total, limit, offset, shown);
  const link = (to: number | null, text: string, rel: string): HTMLElement => {
    if (to === null) return h("span", { class: "disabled", "aria-disabled": "true" }, text);
    const values = Object.fromEntries(params.entries());
    return h("a", { href: path + queryString({ ...values, offset: to || null }), rel }, text);
  };
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    link(info.previousOffset, "← Previous page", "prev"),
    h("span", { "aria-live": "polite" }, info.text),
    link(info.nextOffset, "Next page →", "next"),
  );
}

/** A labelled <select>. */
export function select(
  id: string,
  label: string,
  options: [string, string][],
  current: string,
): [HTMLElement, HTMLSelectElement] {
  const el = h(
    "select",
    { id, name: id },
    options.map(([value, text]) => h("option", { value, selected: value === current }, text)),
  );
  return [h("div", { class: "field" }, h("label", { for: id }, label), el), el];
}
