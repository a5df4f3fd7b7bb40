import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { messageOf } from "../api/problem";
import { useMergePersons, usePersons } from "../api/persons";
import { PEOPLE_LIMIT } from "../api/queries";
import type { Person } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { Pager } from "../components/Pager";
import { MergeBar } from "../components/people/MergeBar";
import { RegroupButton } from "../components/people/RegroupButton";
import { PersonCard } from "../components/people/PersonCard";
import { useDebounced } from "../hooks/useDebounced";
import { useTitle } from "../hooks/useTitle";
import { displayName, mergedText } from "../lib/people";
import { parsePeopleState, peopleHref } from "../lib/urls";

const FILTER_DELAY_MS = 300;

/** The name filter: what is typed goes into the address once typing pauses (the listing follows it). */
function NameFilter({ q }: { q: string }) {
  const navigate = useNavigate();
  const [text, setText] = useState(q);
  const settled = useDebounced(text, FILTER_DELAY_MS);
  const applied = useRef(settled);
  useEffect(() => {
    // Only what was typed moves the address: going back to another filter is not undone here.
    if (settled === applied.current) return;
    applied.current = settled;
    if (settled.trim() !== q.trim()) void navigate(peopleHref(settled), { replace: true });
  }, [settled, q, navigate]);
  return (
    <form
      className="filters"
      role="search"
      aria-label="Filter people"
      onSubmit={(e) => {
        e.preventDefault();
        void navigate(peopleHref(text), { replace: true });
      }}
    >
      <div className="field wide">
        <label htmlFor="person-q">Name begins with</label>
        <input id="person-q" type="search" value={text} onChange={(e) => setText(e.currentTarget.value)} />
      </div>
    </form>
  );
}

export default function PeoplePage() {
  useTitle("People");
  const [params] = useSearchParams();
  const state = parsePeopleState(params);
  const persons = usePersons(state);
  const merge = useMergePersons();
  const [selected, setSelected] = useState<ReadonlyMap<string, Person>>(new Map());
  const [said, setSaid] = useState<string | null>(null);
  const page = persons.data;

  const onSelect = (person: Person, on: boolean) =>
    setSelected((was) => {
      const next = new Map(was);
      if (on) next.set(person.id, person);
      else next.delete(person.id);
      return next;
    });
  const onMerge = (into: Person, others: Person[]) => {
    setSaid(null);
    merge.mutate(
      { into: into.id, others: others.map((p) => p.id) },
      {
        onSuccess: (done) => {
          setSelected(new Map());
          setSaid(mergedText(others.length, displayName(done.person.name), done.faces_moved));
        },
      },
    );
  };
  const onRegroupAsked = useCallback(() => setSaid(null), []);
  const onRegrouped = useCallback((text: string) => {
    setSelected(new Map());
    setSaid(text);
  }, []);

  return (
    <>
      <h1>People</h1>
      <p className="help">Faces found across the library, grouped by who they look like. Click a name to name them.</p>
      <div className="people-tools">
        <NameFilter q={state.q} />
        <RegroupButton onAsk={onRegroupAsked} onDone={onRegrouped} />
      </div>
      <p role="status" className="said">
        {said}
      </p>
      {merge.isError && <ErrorNotice error={`Could not merge: ${messageOf(merge.error)}`} />}
      {selected.size > 0 && (
        <MergeBar
          selected={[...selected.values()]}
          busy={merge.isPending}
          onMerge={onMerge}
          onClear={() => setSelected(new Map())}
        />
      )}
      {persons.isError && <ErrorNotice error={persons.error} />}
      {page && page.items.length === 0 && (
        <p className="empty">
          {state.q.trim()
            ? `Nobody's name begins with “${state.q.trim()}”.`
            : "Nobody yet: faces appear here after face detection runs on your videos (the Faces analysis)."}
        </p>
      )}
      {page && page.items.length > 0 && (
        <>
          <ul className="people" aria-label="People">
            {page.items.map((person) => (
              <PersonCard
                key={person.id}
                person={person}
                selected={selected.has(person.id)}
                onSelect={(_, on) => onSelect(person, on)}
              />
            ))}
          </ul>
          <Pager
            path="/people"
            params={params}
            total={page.total}
            limit={PEOPLE_LIMIT}
            offset={state.offset}
            shown={page.items.length}
          />
        </>
      )}
    </>
  );
}
