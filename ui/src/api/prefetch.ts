// What the page at an address shows first, asked for as the app starts: beside the session check and the
// page's code rather than after them, so the page draws as soon as both are in.
import type { QueryClient } from "@tanstack/react-query";
import { LANES } from "../lib/analyses";
import { pageOf, parseLibraryState, parsePeopleState, personOfPath, speakerOfPath, videoOfPath } from "../lib/urls";
import {
  laneMomentsQuery,
  personQuery,
  personsQuery,
  sessionQuery,
  speakerQuery,
  speakersQuery,
  videoQuery,
  videosQuery,
} from "./queries";

/** Starts the session check and the first reads of the page at `pathname` + `search` (none of the live
 * listings: those are asked for by the page that shows them, as they are dropped when none does). */
export function prefetchPage(queryClient: QueryClient, pathname: string, search: string): void {
  void queryClient.prefetchQuery(sessionQuery);
  const page = pageOf(pathname);
  if (page === "library") {
    void queryClient.prefetchQuery(videosQuery(parseLibraryState(new URLSearchParams(search))));
  } else if (page === "video") {
    const id = videoOfPath(pathname);
    if (id === null) return;
    void queryClient.prefetchQuery(videoQuery(id));
    for (const lane of LANES) void queryClient.prefetchQuery(laneMomentsQuery(id, lane.moment));
  } else if (page === "people") {
    void queryClient.prefetchQuery(personsQuery(parsePeopleState(new URLSearchParams(search))));
  } else if (page === "person") {
    const id = personOfPath(pathname);
    if (id !== null) void queryClient.prefetchQuery(personQuery(id));
  } else if (page === "speakers") {
    void queryClient.prefetchQuery(speakersQuery(parsePeopleState(new URLSearchParams(search))));
  } else if (page === "speaker") {
    const id = speakerOfPath(pathname);
    if (id !== null) void queryClient.prefetchQuery(speakerQuery(id));
  }
}
