import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError } from "../api/problem";
import { APPEARANCES_LIMIT, useAppearances, useForgetPerson, usePerson, useRemoveFace } from "../api/persons";
import type { Appearance, Person } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { NotFound } from "../components/NotFound";
import { Pager } from "../components/Pager";
import { FaceCrop } from "../components/people/FaceCrop";
import { NameInPlace } from "../components/people/NameInPlace";
import { useTitle } from "../hooks/useTitle";
import { fileName, visibleText } from "../lib/format";
import { parseOffset } from "../lib/paging";
import { appearanceHref, countsText, displayName, spanText, videoOfStill } from "../lib/people";
import { videoIdOf } from "../lib/urls";

/** A person's page: their name in place, how often they appear, forgetting them, and each appearance. */
export default function PersonPage() {
  const id = videoIdOf(useParams().id); // a person's id is a UUID like a video's
  return id === null ? <NotFound /> : <PersonLoader key={id} id={id} />;
}

function PersonLoader({ id }: { id: string }) {
  const person = usePerson(id);
  if (person.isError) {
    if (person.error instanceof ApiError && person.error.status === 404) return <NotFound />;
    return <ErrorNotice error={person.error} />;
  }
  if (!person.data) return null;
  return <PersonView person={person.data} />;
}

function PersonView({ person }: { person: Person }) {
  const name = displayName(person.name);
  useTitle(`${name} · People`);
  const navigate = useNavigate();
  const forget = useForgetPerson();
  const onForget = () => {
    const sure = window.confirm(
      `Forget ${name}? The grouping and its name go; the faces stay, and are grouped again later.`,
    );
    if (sure) forget.mutate(person.id, { onSuccess: () => void navigate("/people") });
  };
  return (
    <>
      <p className="crumbs">
        <Link to="/people">← People</Link>
      </p>
      <div className="person-head">
        <FaceCrop
          src={person.thumbnail_url}
          box={person.thumbnail_box}
          videoId={videoOfStill(person.thumbnail_url)}
          size={160}
        />
        <div>
          <h1>
            <NameInPlace personId={person.id} name={person.name} />
          </h1>
          <p className="meta">{countsText(person.faces, person.videos)}</p>
          <button type="button" className="danger" onClick={onForget} disabled={forget.isPending}>
            Forget this person
          </button>
          {forget.isError && <ErrorNotice error={forget.error} />}
        </div>
      </div>
      <Appearances person={person} />
    </>
  );
}

function Appearances({ person }: { person: Person }) {
  const [params] = useSearchParams();
  const offset = parseOffset(params.get("offset"));
  const appearances = useAppearances(person.id, offset);
  const remove = useRemoveFace();
  const page = appearances.data;
  return (
    <section aria-labelledby="appearances-title">
      <h2 id="appearances-title">Appearances</h2>
      {appearances.isError && <ErrorNotice error={appearances.error} />}
      {remove.isError && <ErrorNotice error={remove.error} prefix="Could not take the face away: " />}
      {page && page.items.length === 0 && <p className="empty">No appearance is left.</p>}
      {page && page.items.length > 0 && (
        <>
          <ol className="appearances" start={offset + 1}>
            {page.items.map((a) => (
              <AppearanceItem
                key={a.face_id}
                appearance={a}
                name={person.name}
                busy={remove.isPending}
                onRemove={() => remove.mutate({ personId: person.id, faceId: a.face_id })}
              />
            ))}
          </ol>
          <Pager
            path={`/people/${person.id}`}
            params={params}
            total={page.total}
            limit={APPEARANCES_LIMIT}
            offset={offset}
            shown={page.items.length}
          />
        </>
      )}
    </section>
  );
}

interface ItemProps {
  appearance: Appearance;
  name: string | null;
  busy: boolean;
  onRemove: () => void;
}

/** One appearance: the face, where and when; it plays from its moment on the video's page. */
function AppearanceItem({ appearance: a, name, busy, onRemove }: ItemProps) {
  const where = `${fileName(a.video_path)} at ${spanText(a)}`;
  return (
    <li className="appearance">
      <Link to={appearanceHref(a, name)} className="appearance-link">
        <FaceCrop src={a.thumbnail_url} box={a.box} videoId={a.video_id} size={96} />
        <span className="hit-text">
          <span>{fileName(a.video_path)}</span>
          <span className="meta">
            {spanText(a)} · {visibleText(a.video_path)}
          </span>
        </span>
      </Link>
      <button
        type="button"
        className="quiet"
        disabled={busy}
        onClick={onRemove}
        aria-label={`Not this person: ${where}`}
      >
        Not this person
      </button>
    </li>
  );
}
