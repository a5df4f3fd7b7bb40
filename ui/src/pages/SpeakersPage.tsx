import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { messageOf } from "../api/problem";
import { SPEAKERS_LIMIT } from "../api/queries";
import { useMergeSpeakers, useSpeakers } from "../api/speakers";
import type { Speaker } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { Pager } from "../components/Pager";
import { MergeBar } from "../components/people/MergeBar";
import { NameFilter } from "../components/people/NameFilter";
import { SpeakerName } from "../components/speakers/SpeakerName";
import { useSelection } from "../hooks/useSelection";
import { useTitle } from "../hooks/useTitle";
import { mergedSpeakersText, speakerColour, speakerHref, speakerName } from "../lib/speakers";
import { parsePeopleState, speakersHref } from "../lib/urls";

const optionText = (s: Speaker): string => `${speakerName(s)} (${s.segments})`;

/** The speakers of the library: each named in place, with their turns and videos; several merged into one. */
export default function SpeakersPage() {
  useTitle("Speakers");
  const [params] = useSearchParams();
  const state = parsePeopleState(params);
  const speakers = useSpeakers(state);
  const merge = useMergeSpeakers();
  const { selected, select: onSelect, clear } = useSelection<Speaker>();
  const [said, setSaid] = useState<string | null>(null);
  const page = speakers.data;

  const onMerge = (into: Speaker, others: Speaker[]) => {
    setSaid(null);
    merge.mutate(
      { into: into.id, others: others.map((s) => s.id) },
      {
        onSuccess: (done) => {
          clear();
          setSaid(mergedSpeakersText(others.length, speakerName(done.speaker), done.segments_moved));
        },
      },
    );
  };

  return (
    <>
      <h1>Speakers</h1>
      <p className="help">
        Voices heard across the library, each a speaker in every video they speak in. Click a name to name them.
      </p>
      <NameFilter q={state.q} hrefOf={speakersHref} id="speaker-q" label="Filter speakers" />
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
          what="speakers"
          optionText={optionText}
        />
      )}
      {speakers.isError && <ErrorNotice error={speakers.error} />}
      {page && page.items.length === 0 && (
        <p className="empty">
          {state.q.trim()
            ? `No speaker's name begins with “${state.q.trim()}”.`
            : "Nobody yet: speakers appear here once your videos' speech is transcribed (the Transcript analysis)."}
        </p>
      )}
      {page && page.items.length > 0 && (
        <>
          <table className="speakers">
            <caption className="sr-only">Speakers</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Select</span>
                </th>
                <th scope="col">Speaker</th>
                <th scope="col">Turns</th>
                <th scope="col">Videos</th>
                <th scope="col">
                  <span className="sr-only">Their page</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((speaker) => (
                <SpeakerRow
                  key={speaker.id}
                  speaker={speaker}
                  selected={selected.has(speaker.id)}
                  onSelect={(on) => onSelect(speaker, on)}
                />
              ))}
            </tbody>
          </table>
          <Pager
            path="/speakers"
            params={params}
            total={page.total}
            limit={SPEAKERS_LIMIT}
            offset={state.offset}
            shown={page.items.length}
          />
        </>
      )}
    </>
  );
}

interface RowProps {
  speaker: Speaker;
  selected: boolean;
  onSelect: (selected: boolean) => void;
}

/** One speaker: a box to select them for a merge, their name in place, their counts, a link to their turns. */
function SpeakerRow({ speaker, selected, onSelect }: RowProps) {
  const name = speakerName(speaker);
  return (
    <tr className={`speaker${selected ? " selected" : ""}`} data-speaker={speaker.id}>
      <td>
        <input
          type="checkbox"
          aria-label={`Select ${name}`}
          checked={selected}
          onChange={(e) => onSelect(e.currentTarget.checked)}
        />
      </td>
      <td>
        <span className="speaker-dot" style={{ background: speakerColour(speaker.number) }} aria-hidden="true" />
        <SpeakerName speaker={speaker} />
      </td>
      <td className="number">{speaker.segments}</td>
      <td className="number">{speaker.videos}</td>
      <td>
        <Link to={speakerHref(speaker.id)}>
          Turns<span className="sr-only"> of {name}</span>
        </Link>
      </td>
    </tr>
  );
}
