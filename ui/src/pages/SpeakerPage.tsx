import { Link, useParams, useSearchParams } from "react-router";
import { ApiError } from "../api/problem";
import { TURNS_LIMIT, useAcceptPerson, useSpeaker, useSpeakerTurns } from "../api/speakers";
import type { Speaker } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { NotFound } from "../components/NotFound";
import { Pager } from "../components/Pager";
import { SpeakerName } from "../components/speakers/SpeakerName";
import { useTitle } from "../hooks/useTitle";
import { fileName, visibleText } from "../lib/format";
import { parseOffset } from "../lib/paging";
import { personHref, spanText } from "../lib/people";
import { saidHref, speakerColour, speakerCountsText, speakerName, turnHref } from "../lib/speakers";
import { videoIdOf } from "../lib/urls";

/** A speaker's page: their name in place, how often they speak, who they may be, and each of their turns. */
export default function SpeakerPage() {
  const id = videoIdOf(useParams().id); // a speaker's id is a UUID like a video's
  return id === null ? <NotFound /> : <SpeakerLoader key={id} id={id} />;
}

function SpeakerLoader({ id }: { id: string }) {
  const speaker = useSpeaker(id);
  if (speaker.isError) {
    if (speaker.error instanceof ApiError && speaker.error.status === 404) return <NotFound />;
    return <ErrorNotice error={speaker.error} />;
  }
  if (!speaker.data) return null;
  return <SpeakerView speaker={speaker.data} />;
}

function SpeakerView({ speaker }: { speaker: Speaker }) {
  useTitle(`${speakerName(speaker)} · Speakers`);
  return (
    <>
      <p className="crumbs">
        <Link to="/speakers">← Speakers</Link>
      </p>
      <div className="person-head">
        <span className="speaker-dot large" style={{ background: speakerColour(speaker.number) }} aria-hidden="true" />
        <div>
          <h1>
            <SpeakerName speaker={speaker} />
          </h1>
          <p className="meta">
            {speakerCountsText(speaker.segments, speaker.videos)} ·{" "}
            <Link to={saidHref(speaker.id)}>Search what they said</Link>
          </p>
          {speaker.person_id && (
            <p className="meta">
              This is <Link to={personHref(speaker.person_id)}>the person on their page</Link>.
            </p>
          )}
        </div>
      </div>
      {speaker.suggestion && speaker.suggestion.person_id !== speaker.person_id && (
        <Suggestion speaker={speaker} suggestion={speaker.suggestion} />
      )}
      <Turns speaker={speaker} />
    </>
  );
}

/** A person whose face is on screen while they talk, again and again: accepted, the speaker is that person. */
function Suggestion({ speaker, suggestion }: { speaker: Speaker; suggestion: NonNullable<Speaker["suggestion"]> }) {
  const accept = useAcceptPerson();
  const named = suggestion.person_name;
  return (
    <section className="suggestion" aria-labelledby="suggestion-title">
      <h2 id="suggestion-title">Is this {named ?? "the person on screen"}?</h2>
      <p>
        <Link to={personHref(suggestion.person_id)}>{named ?? "An unnamed person"}</Link>
        {`'s face is on screen in ${suggestion.turns} of ${speakerName(speaker)}'s turns.`}
      </p>
      <button
        type="button"
        disabled={accept.isPending}
        onClick={() => accept.mutate({ speakerId: speaker.id, personId: suggestion.person_id })}
      >
        Yes, this is {named ?? "that person"}
      </button>
      {accept.isError && <ErrorNotice error={accept.error} prefix="Could not accept: " />}
    </section>
  );
}

function Turns({ speaker }: { speaker: Speaker }) {
  const [params] = useSearchParams();
  const offset = parseOffset(params.get("offset"));
  const turns = useSpeakerTurns(speaker.id, offset);
  const page = turns.data;
  return (
    <section aria-labelledby="turns-title">
      <h2 id="turns-title">What they said</h2>
      {turns.isError && <ErrorNotice error={turns.error} />}
      {page && page.items.length === 0 && <p className="empty">No turn is left.</p>}
      {page && page.items.length > 0 && (
        <>
          <ol className="appearances turns" start={offset + 1}>
            {page.items.map((t) => (
              <li key={`${t.video_id}:${t.start_ms}`} className="appearance">
                <Link to={turnHref(speaker.id, t)} className="appearance-link">
                  <span className="hit-text">
                    <span>{t.text ?? "…"}</span>
                    <span className="meta">
                      {fileName(t.video_path)} at {spanText(t)} · {visibleText(t.video_path)}
                    </span>
                  </span>
                </Link>
              </li>
            ))}
          </ol>
          <Pager
            path={`/speakers/${speaker.id}`}
            params={params}
            total={page.total}
            limit={TURNS_LIMIT}
            offset={offset}
            shown={page.items.length}
          />
        </>
      )}
    </section>
  );
}
