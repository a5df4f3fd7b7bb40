import { useCallback, useState } from "react";

export interface Selection<T> {
  /** What is selected, by id, in the order it was selected. */
  selected: ReadonlyMap<string, T>;
  /** Selects `item` (`on`) or lets it go. */
  select: (item: T, on: boolean) => void;
  clear: () => void;
}

/** A set of items picked on a page (persons or speakers to merge), kept by id. */
export function useSelection<T extends { id: string }>(): Selection<T> {
  const [selected, setSelected] = useState<ReadonlyMap<string, T>>(new Map());
  const select = useCallback(
    (item: T, on: boolean) =>
      setSelected((was) => {
        const next = new Map(was);
        if (on) next.set(item.id, item);
        else next.delete(item.id);
        return next;
      }),
    [],
  );
  const clear = useCallback(() => setSelected(new Map()), []);
  return { selected, select, clear };
}
