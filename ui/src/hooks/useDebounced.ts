import { useEffect, useState } from "react";

/** `value`, once it has stayed the same for `ms` (what is typed, before suggestions are asked for). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
