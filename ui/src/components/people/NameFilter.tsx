import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { useDebounced } from "../../hooks/useDebounced";

const FILTER_DELAY_MS = 300;

interface Props {
  q: string;
  /** The listing's address for a filter. */
  hrefOf: (q: string) => string;
  /** The field's id, and what the form is called ("Filter people"). */
  id: string;
  label: string;
}

/** A listing's name filter: what is typed goes into the address once typing pauses (the listing follows it). */
export function NameFilter({ q, hrefOf, id, label }: Props) {
  const navigate = useNavigate();
  const [text, setText] = useState(q);
  const settled = useDebounced(text, FILTER_DELAY_MS);
  const applied = useRef(settled);
  useEffect(() => {
    // Only what was typed moves the address: going back to another filter is not undone here.
    if (settled === applied.current) return;
    applied.current = settled;
    if (settled.trim() !== q.trim()) void navigate(hrefOf(settled), { replace: true });
  }, [settled, q, navigate, hrefOf]);
  return (
    <form
      className="filters"
      role="search"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void navigate(hrefOf(text), { replace: true });
      }}
    >
      <div className="field wide">
        <label htmlFor={id}>Name begins with</label>
        <input id={id} type="search" value={text} onChange={(e) => setText(e.currentTarget.value)} />
      </div>
    </form>
  );
}
