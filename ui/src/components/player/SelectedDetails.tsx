import { Fragment, useState } from "react";
import { useArtifactOf } from "../../api/queries";
import { provenanceRows, type Selected, selectedText } from "../../lib/moments";
import { ErrorNotice } from "../ErrorNotice";

function Provenance({ provenance }: { provenance: object }) {
  return (
    <dl className="provenance">
      {provenanceRows(provenance).map(([key, value]) => (
        <Fragment key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The selected moment or box, with the provenance of its stored item on demand. */
export function SelectedDetails({ videoId, selected }: { videoId: string; selected: Selected | null }) {
  const [asked, setAsked] = useState(false);
  const span = selected?.span ?? { start_ms: 0, end_ms: 0 };
  const lookup = useArtifactOf(videoId, span, selected?.runId, asked && selected !== null && !selected.artifact);
  const artifact = selected?.artifact ?? lookup.data;
  return (
    <section className="details" aria-labelledby="details-title">
      <h2 id="details-title">Selected</h2>
      {selected === null ? (
        <p className="help">Choose a moment or a box.</p>
      ) : (
        <>
          <p>{selectedText(selected)}</p>
          <button type="button" disabled={asked && lookup.isFetching} onClick={() => setAsked(true)}>
            Show provenance
          </button>
          {asked && (
            <div>
              {lookup.isError ? (
                <ErrorNotice error={lookup.error} />
              ) : artifact ? (
                <Provenance provenance={artifact.provenance} />
              ) : artifact === null ? (
                <ErrorNotice error="No stored item has this run." />
              ) : null}
            </div>
          )}
        </>
      )}
    </section>
  );
}
