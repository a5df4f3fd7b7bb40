import { type FormEvent, useState } from "react";
import type { Person } from "../../api/types";
import { displayName } from "../../lib/people";

interface Props {
  selected: readonly Person[];
  busy: boolean;
  onMerge: (into: Person, others: Person[]) => void;
  onClear: () => void;
}

/** With two or more persons selected: which of them the others are, merged into it. */
export function MergeBar({ selected, busy, onMerge, onClear }: Props) {
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
    <form className="merge-bar" aria-label="Merge the selected persons" onSubmit={submit}>
      <span>{selected.length} selected</span>
      <div className="field">
        <label htmlFor="merge-into">Merge into</label>
        <select id="merge-into" value={into?.id ?? ""} onChange={(e) => setChosen(e.currentTarget.value)}>
          {selected.map((p) => (
            <option key={p.id} value={p.id}>
              {displayName(p.name)} ({p.faces})
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
