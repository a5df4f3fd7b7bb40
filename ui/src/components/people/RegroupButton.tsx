import { useEffect, useRef } from "react";
import { useRegroup, useRegrouped, useRegroupStatus } from "../../api/persons";
import { regroupedText, regroupingText } from "../../lib/people";
import { ErrorNotice } from "../ErrorNotice";

interface Props {
  onAsk: () => void;
  onDone: (said: string) => void;
}

/** "Group again": asks a worker to group the library's faces again, says how far it got while it
 * runs (it can take minutes), and, once it ends, reads the persons again and says what came of it. */
export function RegroupButton({ onAsk, onDone }: Props) {
  const regroup = useRegroup();
  const status = useRegroupStatus();
  const regrouped = useRegrouped();
  const data = status.data;
  const busy = regroup.isPending || (data !== undefined && data.state !== "idle");
  const watching = useRef(false); // a re-grouping this page saw waiting or running

  useEffect(() => {
    if (!data) return;
    if (data.state !== "idle") {
      watching.current = true;
      return;
    }
    if (!watching.current) return;
    watching.current = false;
    void regrouped();
    if (data.last) onDone(regroupedText(data.last.faces, data.last.persons));
  }, [data, onDone, regrouped]);

  const ask = () => {
    onAsk();
    regroup.mutate();
  };
  return (
    <>
      <button type="button" onClick={ask} disabled={busy} aria-busy={busy}>
        {data && data.state !== "idle"
          ? regroupingText(data.state, data.placed, data.total)
          : busy
            ? "Grouping…"
            : "Group again"}
      </button>
      {regroup.isError && <ErrorNotice error={regroup.error} prefix="Could not group again: " />}
    </>
  );
}
