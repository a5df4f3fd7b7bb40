// Pages of a listing.

export interface PageInfo {
  text: string;
  previousOffset: number | null;
  nextOffset: number | null;
}

/** "1–50 of 120" and where the previous and next pages start (null at the ends). */
export function pageInfo(total: number, limit: number, offset: number, shown: number): PageInfo {
  const text = total === 0 ? "nothing found" : `${offset + 1}–${offset + shown} of ${total}`;
  return {
    text,
    previousOffset: offset > 0 ? Math.max(0, offset - limit) : null,
    nextOffset: offset + shown < total ? offset + limit : null,
  };
}

/** A non-negative offset from the address ("" or junk: 0). */
export function parseOffset(value: string | null): number {
  const offset = Number.parseInt(value ?? "0", 10);
  return Number.isFinite(offset) && offset > 0 ? offset : 0;
}
