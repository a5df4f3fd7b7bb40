import { type ReactNode, useEffect, useRef } from "react";
import { Link, useLocation } from "react-router";

export type Section = "library" | "search" | "people" | "speakers" | "work" | "none";

/** Which item of the main navigation an address belongs to (a video belongs to the library). */
export function sectionOf(pathname: string): Section {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === "/" || path === "/library" || path.startsWith("/videos/")) return "library";
  if (path === "/search") return "search";
  if (path === "/work") return "work";
  if (path === "/people" || path.startsWith("/people/")) return "people";
  if (path === "/speakers" || path.startsWith("/speakers/")) return "speakers";
  return "none";
}

/** The header (brand, navigation, sign-out) and the page's <main>. */
export function Shell({ onSignOut, children }: { onSignOut: () => void; children: ReactNode }) {
  const location = useLocation();
  const section = sectionOf(location.pathname);
  const main = useRef<HTMLElement>(null);
  const shown = useRef<string | null>(null);
  useEffect(() => {
    const at = location.pathname + location.search;
    const before = shown.current;
    shown.current = at;
    // A page opened afresh starts at the document, as any page does (and focusing here would lay the whole
    // first page out once more, before a click can be handled). After that: the link that was followed may
    // be gone, so keyboard focus starts again at the new page's content.
    if (before === null || before === at) return;
    if (document.activeElement === document.body || document.activeElement === null) {
      main.current?.focus({ preventScroll: true });
    }
  }, [location.pathname, location.search]);
  const current = (s: Section) => (section === s ? ("page" as const) : undefined);
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Framewise
        </Link>
        <nav aria-label="Main">
          <Link to="/" aria-current={current("library")}>
            Library
          </Link>
          <Link to="/search" aria-current={current("search")}>
            Search
          </Link>
          <Link to="/people" aria-current={current("people")}>
            People
          </Link>
          <Link to="/speakers" aria-current={current("speakers")}>
            Speakers
          </Link>
          <Link to="/work" aria-current={current("work")}>
            Work
          </Link>
        </nav>
        <button type="button" className="quiet" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {children}
      </main>
    </>
  );
}
