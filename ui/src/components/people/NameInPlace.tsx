import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { useRenamePerson } from "../../api/persons";
import { displayName, nameToSave } from "../../lib/people";
import { ErrorNotice } from "../ErrorNotice";

interface Props {
  personId: string;
  name: string | null;
}

/** A person's name, named in place: click it (or press Enter on it), type, Enter saves, Escape leaves it
 * as it was. What the API refused is said under the field, which stays open. */
export function NameInPlace({ personId, name }: Props) {
  const [editing, setEditing] = useState(false);
  const rename = useRenamePerson();
  const field = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  useEffect(() => {
    if (editing) field.current?.select();
    else if (returnFocus.current) {
      returnFocus.current = false;
      button.current?.focus();
    }
  }, [editing]);

  const stop = () => {
    returnFocus.current = true;
    rename.reset();
    setEditing(false);
  };
  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = field.current?.value ?? "";
    const next = nameToSave(text);
    if (next === name) return stop();
    rename.mutate({ personId, name: next }, { onSuccess: stop });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      stop();
    }
  };

  if (!editing) {
    return (
      <button
        type="button"
        ref={button}
        className={`name-button${name === null ? " unnamed" : ""}`}
        title="Click to name"
        onClick={() => setEditing(true)}
      >
        {displayName(name)}
        <span className="sr-only"> (rename)</span>
      </button>
    );
  }
  return (
    <form className="name-form" onSubmit={save}>
      <input
        ref={field}
        type="text"
        aria-label="Name"
        defaultValue={name ?? ""}
        maxLength={200}
        placeholder="Name"
        onKeyDown={onKeyDown}
        readOnly={rename.isPending}
        aria-describedby={rename.isError ? `name-error-${personId}` : undefined}
      />
      {rename.isError && (
        <div id={`name-error-${personId}`}>
          <ErrorNotice error={rename.error} />
        </div>
      )}
    </form>
  );
}
