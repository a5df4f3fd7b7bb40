import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { useRenamePerson } from "../../api/persons";
import { displayName, nameToSave } from "../../lib/people";
import { ErrorNotice } from "../ErrorNotice";

/** What a name in place needs of its write: send a name, and where that write stands. */
export interface Renaming {
  save: (name: string | null, done: () => void) => void;
  isPending: boolean;
  isError: boolean;
  error: unknown;
  reset: () => void;
}

interface EditorProps {
  /** The name as the API has it (null: unnamed). */
  name: string | null;
  /** What is shown for it ("Unnamed", "Speaker 3" while unnamed). */
  shown: string;
  rename: Renaming;
  className?: string;
}

/** A name, named in place: click it (or press Enter on it), type, Enter saves, Escape leaves it as it was.
 * What the API refused is said under the field, which stays open. */
export function NameEditor({ name, shown, rename, className = "" }: EditorProps) {
  const [editing, setEditing] = useState(false);
  const errorId = useId();
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
    rename.save(next, stop);
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
        className={`name-button${name === null ? " unnamed" : ""}${className ? ` ${className}` : ""}`}
        title="Click to name"
        onClick={() => setEditing(true)}
      >
        {shown}
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
        aria-describedby={rename.isError ? errorId : undefined}
      />
      {rename.isError && (
        <div id={errorId}>
          <ErrorNotice error={rename.error} />
        </div>
      )}
    </form>
  );
}

/** A person's name, named in place (see NameEditor). */
export function NameInPlace({ personId, name }: { personId: string; name: string | null }) {
  const mutation = useRenamePerson();
  const rename: Renaming = {
    save: (next, done) => mutation.mutate({ personId, name: next }, { onSuccess: done }),
    isPending: mutation.isPending,
    isError: mutation.isError,
    error: mutation.error,
    reset: mutation.reset,
  };
  return <NameEditor name={name} shown={displayName(name)} rename={rename} />;
}
