import { type ComponentType, lazy } from "react";

export interface LazyPage {
  /** Fetches the page's code (once; later calls share it). */
  preload: () => Promise<unknown>;
  /** The page: drawn at once when its code is in, else suspended until it is. */
  Page: ComponentType;
}

/** A page whose code is a chunk of its own. React's `lazy` suspends on first render even when the chunk was
 * preloaded and is in, and React then holds the reveal back (~300 ms) after the fallback: a page whose code
 * was preloaded is drawn straight from the module instead. */
export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: ComponentType | null = null;
  let loading: Promise<{ default: ComponentType }> | null = null;
  const preload = () =>
    (loading ??= load().then(
      (module) => {
        loaded = module.default;
        return module;
      },
      (error: unknown) => {
        loading = null; // a failed fetch is tried again on the next visit
        throw error;
      },
    ));
  const Lazy = lazy(preload);
  function Page() {
    const Loaded = loaded;
    return Loaded ? <Loaded /> : <Lazy />;
  }
  return { preload, Page };
}
