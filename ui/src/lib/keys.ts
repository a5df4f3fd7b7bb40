// Keyboard shortcuts, never while the reader types.

export type Shortcut = "next" | "previous" | "search" | null;

/** n / j next, p / k previous, / to the search field; nothing in a text field or with a modifier. */
export function shortcutOf(key: string, inTextField: boolean, modified: boolean): Shortcut {
  if (inTextField || modified) return null;
  if (key === "n" || key === "j") return "next";
  if (key === "p" || key === "k") return "previous";
  if (key === "/") return "search";
  return null;
}

/** Whether a key press lands in something the reader types into. */
export function isTextField(target: EventTarget | null): boolean {
  return (
    typeof Element !== "undefined" &&
    target instanceof Element &&
    target.matches("input, textarea, select, [contenteditable], [contenteditable=''], [contenteditable='true']")
  );
}
