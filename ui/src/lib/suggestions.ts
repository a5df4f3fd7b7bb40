// Suggestions for the search fields, from the labels and words the library has.
import type { Label, MomentType } from "../api/types";
import { momentName } from "./analyses";

/** The kinds of moment to suggest from: those the search is limited to, else the ones that have words
 * (people's names among them). */
export function suggestionKinds(types: readonly MomentType[]): MomentType[] {
  return types.length ? [...types] : ["transcript", "object", "place", "ocr", "person"];
}

/** One option per label (the first kind that has it wins), saying its kind and how many moments have it. */
export function suggestionOptions(labels: readonly Label[]): { value: string; text: string }[] {
  const seen = new Set<string>();
  const out: { value: string; text: string }[] = [];
  for (const l of labels) {
    if (seen.has(l.label)) continue;
    seen.add(l.label);
    out.push({ value: l.label, text: `${momentName(l.type)} · ${l.moments}` });
  }
  return out;
}
