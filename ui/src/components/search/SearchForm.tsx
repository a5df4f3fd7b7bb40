import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { useSearchLanguages, useSuggestions } from "../../api/queries";
import { useSpeaker } from "../../api/speakers";
import { useDebounced } from "../../hooks/useDebounced";
import { useShortcuts } from "../../hooks/useShortcuts";
import { isMomentType, SEARCH_KINDS } from "../../lib/analyses";
import { languageName } from "../../lib/format";
import { formText } from "../../lib/forms";
import { speakerName } from "../../lib/speakers";
import { suggestionKinds, suggestionOptions } from "../../lib/suggestions";
import { type SearchState, searchHref, videoIdOf } from "../../lib/urls";
import { SelectField } from "../SelectField";

/** The search: words ("a phrase", -word), types, a label, the speech's language, who said it (when the address
 * names a speaker) and an order; submitting it changes the address (the state lives there). */
export function SearchForm({ state, autoFocus }: { state: SearchState; autoFocus: boolean }) {
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const prefix = useDebounced(typed, 200).trim();
  const suggestions = useSuggestions(suggestionKinds(state.types), prefix);
  const languages = useSearchLanguages().data ?? [];
  const spoken = languages.map((l) => l.language);
  const languageOptions: [string, string][] = [
    ["", "Any language"],
    ...(state.lang && !spoken.includes(state.lang) ? [state.lang] : []).map((code): [string, string] => [
      code,
      languageName(code),
    ]),
    ...languages.map((l): [string, string] => [l.language, `${languageName(l.language)} (${l.moments})`]),
  ];
  useShortcuts((shortcut) => {
    if (shortcut !== "search") return false;
    document.getElementById("q")?.focus();
    return true;
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => formText(form, name);
    const types = form.getAll("types").map(String).filter(isMomentType);
    void navigate(
      searchHref({
        q: text("q"),
        types,
        label: text("label"),
        lang: text("lang"),
        speaker: videoIdOf(text("speaker")) ?? "",
        sort: text("sort") === "time" ? "time" : "",
        offset: 0,
      }),
    );
  };
  return (
    <form className="filters" role="search" aria-label="Search the library" onSubmit={submit}>
      <div className="field wide">
        <label htmlFor="q">Search</label>
        <input
          id="q"
          name="q"
          type="search"
          defaultValue={state.q}
          list="suggestions"
          autoComplete="off"
          aria-keyshortcuts="/"
          // eslint-disable-next-line jsx-a11y/no-autofocus -- only on the empty search page, whose one task is typing the query
          autoFocus={autoFocus}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
        <datalist id="suggestions">
          {suggestionOptions(suggestions.data ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.text}
            </option>
          ))}
        </datalist>
      </div>
      <fieldset>
        <legend>Types</legend>
        {SEARCH_KINDS.map((a) => (
          <label key={a.moment} className="check">
            <input type="checkbox" name="types" value={a.moment} defaultChecked={state.types.includes(a.moment)} />{" "}
            {a.name}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="label">Label</label>
        <input
          id="label"
          name="label"
          type="text"
          defaultValue={state.label}
          list="suggestions"
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
      </div>
      {state.speaker && <SaidBy speakerId={state.speaker} />}
      {languageOptions.length > 1 && (
        <SelectField id="lang" label="Language" options={languageOptions} defaultValue={state.lang} />
      )}
      <SelectField
        id="sort"
        label="Order"
        options={[
          ["", "Relevance"],
          ["time", "Library order (video, time)"],
        ]}
        defaultValue={state.sort === "time" ? "time" : ""}
      />
      <button type="submit">Search</button>
    </form>
  );
}

/** The speaker filter the address holds: kept while checked (unchecked, the next search is anyone's). */
function SaidBy({ speakerId }: { speakerId: string }) {
  const speaker = useSpeaker(speakerId);
  const who = speaker.data ? speakerName(speaker.data) : speaker.isError ? "an unknown speaker" : "…";
  return (
    <fieldset>
      <legend>Speaker</legend>
      <label className="check">
        <input type="checkbox" name="speaker" value={speakerId} defaultChecked /> Said by {who}
      </label>
    </fieldset>
  );
}
