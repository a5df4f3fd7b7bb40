import { type RefObject, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { jump } from "../../api/queries";
import { messageOf } from "../../api/problem";
import { useShortcuts } from "../../hooks/useShortcuts";
import { formatTime } from "../../lib/format";
import { jumpFrom } from "../../lib/moments";
import { hitHref, type SearchState, searchApiParams, searchHref } from "../../lib/urls";

interface Props {
  videoId: string;
  search: SearchState;
  /** The hit being shown, from the address (ms), or null. */
  startMs: number | null;
  videoRef: RefObject<HTMLVideoElement | null>;
  onSeek: (ms: number) => void;
}

/** Next / previous hit of the search this page was opened from, across the library: buttons and n / p. */
export function HitJumps({ videoId, search, startMs, videoRef, onSeek }: Props) {
  const navigate = useNavigate();
  const hitMs = useRef(startMs);
  const [status, setStatus] = useState("");

  const go = async (direction: "next" | "previous") => {
    const now = Math.round((videoRef.current?.currentTime ?? 0) * 1000);
    setStatus("Looking…");
    try {
      const found = await jump({
        ...searchApiParams(search),
        direction,
        videoId,
        atMs: jumpFrom(direction, now, hitMs.current),
      });
      if (!found.hit) {
        setStatus("No other moment matches.");
        return;
      }
      const note = found.wrapped ? " (from the other end of the library)" : "";
      setStatus(
        `${direction === "next" ? "Next" : "Previous"}: ${found.hit.text} at ${formatTime(found.hit.start_ms)}${note}`,
      );
      if (found.hit.video_id === videoId) {
        hitMs.current = found.hit.start_ms;
        onSeek(found.hit.start_ms);
        void navigate(hitHref(found.hit, search), { replace: true });
      } else {
        void navigate(hitHref(found.hit, search));
      }
    } catch (error) {
      setStatus(messageOf(error));
    }
  };
  useShortcuts((shortcut) => {
    if (shortcut !== "next" && shortcut !== "previous") return false;
    void go(shortcut);
    return true;
  });

  return (
    <div className="jumps" role="group" aria-label={`Hits for “${search.q || search.label}”`}>
      <button type="button" aria-keyshortcuts="p" onClick={() => void go("previous")}>
        ← Previous hit
      </button>
      <button type="button" aria-keyshortcuts="n" onClick={() => void go("next")}>
        Next hit →
      </button>
      <Link to={searchHref(search)}>Back to the results</Link>
      <span className="help">Keys: n next, p previous</span>
      <p className="jump-status" role="status">
        {status}
      </p>
    </div>
  );
}
