import { useEffect } from "react";

/** The page's title: "<what> · Framewise". */
export function useTitle(what: string): void {
  useEffect(() => {
    document.title = `${what} · Framewise`;
  }, [what]);
}
