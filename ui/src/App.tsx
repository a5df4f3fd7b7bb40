// The app: the sign-in gate, then the shell with one route per page (the library, where the app opens, in the
// first load; each other page loaded when first visited, or from the start when the address is its own).
import { useQueryClient } from "@tanstack/react-query";
import { Suspense, useCallback, useEffect, useState } from "react";
import { Route, Routes, useLocation } from "react-router";
import { whenSignedOut } from "./api/client";
import { ApiError } from "./api/problem";
import { sessionQuery, signIn, signOut, useSession } from "./api/queries";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { ErrorNotice } from "./components/ErrorNotice";
import { NotFound } from "./components/NotFound";
import { Shell } from "./components/Shell";
import { SignIn } from "./components/SignIn";
import { lazyPage } from "./lazyPage";
import { type PageName, pageOf } from "./lib/urls";
import LibraryPage from "./pages/LibraryPage";

const lazyPages = {
  search: lazyPage(() => import("./pages/SearchPage")),
  video: lazyPage(() => import("./pages/VideoPage")),
  work: lazyPage(() => import("./pages/WorkPage")),
  people: lazyPage(() => import("./pages/PeoplePage")),
  person: lazyPage(() => import("./pages/PersonPage")),
  speakers: lazyPage(() => import("./pages/SpeakersPage")),
  speaker: lazyPage(() => import("./pages/SpeakerPage")),
} satisfies Record<Exclude<PageName, "library">, unknown>;
const SearchPage = lazyPages.search.Page;
const VideoPage = lazyPages.video.Page;
const WorkPage = lazyPages.work.Page;
const PeoplePage = lazyPages.people.Page;
const PersonPage = lazyPages.person.Page;
const SpeakersPage = lazyPages.speakers.Page;
const SpeakerPage = lazyPages.speaker.Page;

/** Fetches the code of the page at `pathname` now, beside the session check rather than after it. */
export function preloadPage(pathname: string): void {
  const page = pageOf(pathname);
  if (page && page !== "library") void lazyPages[page].preload().catch(() => undefined); // shown when drawn
}

export function App() {
  const queryClient = useQueryClient();
  const session = useSession();
  const { pathname } = useLocation();
  // Set when the API said the session is gone, or on sign-out: the sign-in form shows this message.
  const [signedOut, setSignedOut] = useState<string | null>(null);
  const forgetAllButSession = useCallback(
    () => queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== "session" }),
    [queryClient],
  );
  useEffect(() => {
    const stop = whenSignedOut((message) => {
      // A page's data is asked for beside the session check: a 401 before the check said who is signed in
      // is that check's answer too, and it shows the sign-in form itself.
      if (queryClient.getQueryState(sessionQuery.queryKey)?.status !== "success") return;
      forgetAllButSession();
      setSignedOut(`Please sign in again (${message}).`);
    });
    return () => {
      stop();
    };
  }, [forgetAllButSession, queryClient]);

  const onSignIn = async (token: string) => {
    await signIn(queryClient, token);
    forgetAllButSession();
    setSignedOut(null);
  };
  const onSignOut = () => {
    void signOut().then(() => {
      forgetAllButSession();
      setSignedOut("You are signed out.");
    });
  };

  if (signedOut !== null) return <SignIn key={signedOut} message={signedOut} onSignIn={onSignIn} />;
  if (session.isPending) return null;
  if (session.isError) {
    if (session.error instanceof ApiError && session.error.status === 401) return <SignIn onSignIn={onSignIn} />;
    return (
      <main id="main" tabIndex={-1}>
        <ErrorNotice error={session.error} />
      </main>
    );
  }
  return (
    <Shell onSignOut={onSignOut}>
      {/* A page that failed to draw is left behind with its address. */}
      <ErrorBoundary key={pathname}>
        <Suspense fallback={<p className="help">Loading…</p>}>
          <Routes>
            <Route path="/" element={<LibraryPage />} />
            <Route path="/library" element={<LibraryPage />} />
            <Route path="/search" element={<SearchPage />} />
            <Route path="/work" element={<WorkPage />} />
            <Route path="/videos/:id" element={<VideoPage />} />
            <Route path="/people" element={<PeoplePage />} />
            <Route path="/people/:id" element={<PersonPage />} />
            <Route path="/speakers" element={<SpeakersPage />} />
            <Route path="/speakers/:id" element={<SpeakerPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </ErrorBoundary>
    </Shell>
  );
}
