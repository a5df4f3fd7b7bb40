import "./style.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { client } from "./api/client";
import { takeEarlyReads } from "./api/earlyReads";
import { prefetchPage } from "./api/prefetch";
import { ApiError } from "./api/problem";
import { App, preloadPage } from "./App";

/** Answers the API gave on purpose (4xx) are not asked again; a dropped connection or a 5xx twice more. */
function retry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry, refetchOnWindowFocus: false, staleTime: 10_000 } },
});

// The library's reads index.html asked for while this code loaded: drawn once their chips are in (briefly).
const early = takeEarlyReads(client, queryClient);
preloadPage(location.pathname); // first: the page's code, then its data (six requests at a time to the API)
prefetchPage(queryClient, location.pathname, location.search);
const root = document.getElementById("app");
if (root) {
  void early.settled.then(() =>
    createRoot(root).render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </QueryClientProvider>
      </StrictMode>,
    ),
  );
}
