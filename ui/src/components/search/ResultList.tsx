import { Link } from "react-router";
import type { Hit } from "../../api/types";
import { momentName } from "../../lib/analyses";
import { fileName, formatTime, languageName } from "../../lib/format";
import { speakerName } from "../../lib/speakers";
import { hitHref, type SearchState } from "../../lib/urls";
import { Snippet } from "./Snippet";

/** One hit: its frame, its snippet, and where it is; it plays from its moment, the search kept for next/previous. */
function HitItem({ hit, state }: { hit: Hit; state: SearchState }) {
  const kind = momentName(hit.type);
  return (
    <li>
      <Link to={hitHref(hit, state)} className="hit">
        <img src={hit.thumbnail_url} alt="" width={160} height={90} loading="lazy" />
        <span className="hit-text">
          <Snippet html={hit.snippet} />
          <span className="meta">
            {kind}
            {hit.language ? ` (${languageName(hit.language)})` : ""}
            {hit.speaker && (
              <span className="said-by">
                {" "}
                · <span className="sr-only">said by </span>
                {speakerName(hit.speaker)}
              </span>
            )}{" "}
            · {fileName(hit.video_path)} · {formatTime(hit.start_ms)}
            {hit.match === "phrase" && (
              <span className="badge" title="The quoted words, in that order">
                Phrase
              </span>
            )}
            {hit.match === "fuzzy" && (
              <span className="badge fuzzy" title="A close spelling of a word that matched nothing as typed">
                Close spelling
              </span>
            )}
          </span>
        </span>
      </Link>
    </li>
  );
}

/** The results of a page of a search, numbered from the page's offset. */
export function ResultList({ hits, state }: { hits: readonly Hit[]; state: SearchState }) {
  return (
    <ol className="hits" aria-label="Results" start={state.offset + 1}>
      {hits.map((hit) => (
        <HitItem
          key={`${hit.video_id}:${hit.type}:${hit.start_ms}:${hit.run_id}:${hit.text}`}
          hit={hit}
          state={state}
        />
      ))}
    </ol>
  );
}
