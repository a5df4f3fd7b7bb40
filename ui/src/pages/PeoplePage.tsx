import { useCallback, useState } from "react";
import { useSearchParams } from "react-router";
import { messageOf } from "../api/problem";
import { useMergePersons, usePersons } from "../api/persons";
import { PEOPLE_LIMIT } from "../api/queries";
import type { Person } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { Pager } from "../components/Pager";
import { MergeBar } from "../components/people/MergeBar";
import { NameFilter } from "../components/people/NameFilter";
import { RegroupButton } from "../components/people/RegroupButton";
import { PersonCard } from "../components/people/PersonCard";
import { useSelection } from "../hooks/useSelection";
import { useTitle } from "../hooks/useTitle";
import { displayName, mergedText } from "../lib/people";
import { parsePeopleState, peopleHref } from "../lib/urls";

export default function PeoplePage() {
  useTitle("People");
  const [params] = useSearchParams();
  const state = parsePeopleState(params);
  const persons = usePersons(state);
  const merge = useMergePersons();
  const { selected, select: onSelect, clear } = useSelection<Person>();
  const [said, setSaid] = useState<string | null>(null);
  const page = persons.data;

  const onMerge = (into: Person, others: Person[]) => {
    setSaid(null);
    merge.mutate(
      { into: into.id, others: others.map((p) => p.id) },
      {
        onSuccess: (done) => {
          clear();
          setSaid(mergedText(others.length, displayName(done.person.name), done.faces_moved));
        },
      },
    );
  };
  const onRegroupAsked = useCallback(() => setSaid(null), []);
  const onRegrouped = useCallback(
    (text: string) => {
      clear();
      setSaid(text);
    },
    [clear],
  );

  return (
    <>
      <h1>People</h1>
      <p className="help">Faces found across the library, grouped by who they look like. Click a name to name them.</p>
      <div className="people-tools">
        <NameFilter q={state.q} hrefOf={peopleHref} id="person-q" label="Filter people" />
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
          onClear={clear}
          optionText={(p) => `${displayName(p.name)} (${p.faces})`}
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
