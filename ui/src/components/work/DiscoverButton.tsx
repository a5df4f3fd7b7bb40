import { useDiscover } from "../../api/queries";
import { messageOf } from "../../api/problem";
import { discoveryText } from "../../lib/tasks";

/** Scan every media folder now; what was found is said in the page's status line. */
export function DiscoverButton({ say }: { say: (message: string) => void }) {
  const discover = useDiscover();
  const run = () => {
    say("Scanning the media folders…");
    discover.mutate(undefined, {
      onSuccess: (found) => say(discoveryText(found)),
      onError: (error) => say(messageOf(error)),
    });
  };
  return (
    <button type="button" disabled={discover.isPending} onClick={run}>
      Discover now
    </button>
  );
}
