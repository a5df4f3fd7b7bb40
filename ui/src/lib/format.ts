// Times, durations and names as they are shown.

/** 14000 -> "0:14", 3723000 -> "1:02:03"; unknown -> "–". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "–";
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A time inside a video with tenths: 4250 -> "0:04.2". */
export function formatTime(ms: number): string {
  const tenths = Math.floor((Math.max(0, ms) % 1000) / 100);
  return `${formatDuration(ms)}.${tenths}`;
}

/**
 * A file name or path as it may be shown: the API keeps the true name, which may hold control
 * characters (a newline, an escape) or bidi controls that would reorder what follows (U+202E turns
 * "clip\u202Egpj.mp4" into "clip4pm.jpg"). C0 controls and DEL become their Unicode control
 * pictures (U+240A for a newline), C1 controls, bidi and invisible format characters a visible
 * "<U+202E>", so what is shown is what is there.
 */
export function visibleText(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point: they are shown, not obeyed
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}

/** The file's name from its path under the root, shown visibly (see visibleText). */
export function fileName(path: string): string {
  const parts = path.split("/");
  return visibleText(parts[parts.length - 1] || path);
}

/** A moment of the API's clock as the reader's locale writes it; the raw text when it does not parse. */
export function formatWhen(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString();
}

/** "1 moment", "12 moments"; "About 25,000 moments" when the total is an estimate. */
export function momentsText(total: number, estimated = false): string {
  if (estimated) return `About ${total.toLocaleString("en")} moments`;
  return total === 1 ? "1 moment" : `${total} moments`;
}

/** A language's name in English from its ISO 639-1 code ("fr" is "French"); the code when unknown. */
export function languageName(code: string): string {
  try {
    const name = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" }).of(code);
    return name ?? code;
  } catch {
    return code;
  }
}
