import type { FormEvent } from "react";
import { useNavigate } from "react-router";
import type { VideoSort, VideoStatus } from "../../api/types";
import { formText } from "../../lib/forms";
import { type LibraryState, libraryHref } from "../../lib/urls";
import { SelectField } from "../SelectField";

export const STATUS_OPTIONS = [
  ["", "Any"],
  ["ready", "Ready"],
  ["invalid", "Invalid"],
  ["missing", "Missing"],
] as const satisfies readonly (readonly [VideoStatus | "", string])[];

const SORT_OPTIONS = [
  ["discovered_at", "Discovered"],
  ["path", "Path"],
  ["size", "Size"],
  ["duration", "Duration"],
] as const satisfies readonly (readonly [VideoSort, string])[];

/** The library's filters and order; applying them changes the address (they live in it). */
export function LibraryFilters({ state }: { state: LibraryState }) {
  const navigate = useNavigate();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => formText(form, name);
    const next = {
      status: text("status") as LibraryState["status"],
      pathContains: text("path_contains"),
      sort: text("sort") as VideoSort,
      order: text("order") === "asc" ? ("asc" as const) : ("desc" as const),
    };
    void navigate(libraryHref(next));
  };
  return (
    <form className="filters" role="search" aria-label="Filter videos" onSubmit={submit}>
      <SelectField id="status" label="Status" options={STATUS_OPTIONS} defaultValue={state.status} />
      <div className="field">
        <label htmlFor="path_contains">Path contains</label>
        <input id="path_contains" name="path_contains" type="search" defaultValue={state.pathContains} />
      </div>
      <SelectField id="sort" label="Sort by" options={SORT_OPTIONS} defaultValue={state.sort} />
      <SelectField
        id="order"
        label="Order"
        options={[
          ["desc", "Descending"],
          ["asc", "Ascending"],
        ]}
        defaultValue={state.order}
      />
      <button type="submit">Apply</button>
    </form>
  );
}
