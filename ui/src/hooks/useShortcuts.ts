import { useEffect, useEffectEvent } from "react";
import { isTextField, type Shortcut, shortcutOf } from "../lib/keys";

/** Calls `on` for the page's keyboard shortcuts (never while typing); the listener goes with the component. */
export function useShortcuts(on: (shortcut: Exclude<Shortcut, null>) => boolean): void {
  const handle = useEffectEvent(on); // the latest `on`, without adding the listener again at each render
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const shortcut = shortcutOf(event.key, isTextField(event.target), event.ctrlKey || event.metaKey || event.altKey);
      if (shortcut !== null && handle(shortcut)) event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
