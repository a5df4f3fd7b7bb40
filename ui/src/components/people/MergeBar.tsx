import { type FormEvent, useState } from "react";

/** What can be merged: a person, a speaker. */
interface Mergeable {
  id: string;
  name: string | null;
}

interface Props<T extends Mergeable> {
  selected: readonly T[];
  busy: boolean;
  onMerge: (into: T, others: T[]) => void;
  onClear: () => void;
  /** What the bar says it merges ("persons", "speakers"). */
  what?: string;
  /** What one is shown as in the choice: "Ada Lovelace (3)". */
  optionText: (item: T) => string;
}

/** With two or more selected: which of them the others are, merged into it. */
export function MergeBar<T extends Mergeable>({
  selected,
  busy,
  onMerge,
  onClear,
  what = "persons",
  optionText,
}: Props<T>) {
  const [chosen, setChosen] = useState<string>("");
  const into = selected.find((p) => p.id === chosen) ?? selected[0];
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!into) return;
    onMerge(
      into,
      selected.filter((p) => p.id !== into.id),
    );
  };
  return (
    <form className="merge-bar" aria-label={`Merge the selected ${what}`} onSubmit={submit}>
      <span>{selected.length} selected</span>
      <div className="field">
        <label htmlFor="merge-into">Merge into</label>
        <select id="merge-into" value={into?.id ?? ""} onChange={(e) => setChosen(e.currentTarget.value)}>
          {selected.map((p) => (
            <option key={p.id} value={p.id}>
              {optionText(p)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={busy || selected.length < 2}>
        Merge {selected.length}
      </button>
      <button type="button" className="quiet" onClick={onClear}>
        Clear selection
      </button>
    </form>
  );
}
