import { useSearchParams } from "react-router";
import { SEARCH_LIMIT, useSearch } from "../api/queries";
import { ErrorNotice } from "../components/ErrorNotice";
import { Pager } from "../components/Pager";
import { ResultList } from "../components/search/ResultList";
import { SearchForm } from "../components/search/SearchForm";
import { useTitle } from "../hooks/useTitle";
import { momentsText } from "../lib/format";
import { isSearching, parseSearchState, searchApiParams } from "../lib/urls";

export default function SearchPage() {
  const [params] = useSearchParams();
  const state = parseSearchState(params);
  useTitle(state.q ? `“${state.q}” · Search` : "Search");
  const searching = isSearching(state);
  const results = useSearch(searchApiParams(state), state.offset, searching);
  const page = results.data;
  return (
    <>
      <h1>Search</h1>
      <SearchForm key={params.toString()} state={state} autoFocus={!searching} />
      {!searching && <p className="help">Find where something was said, shown or seen. Press / to search.</p>}
      {searching && results.isError && <ErrorNotice error={results.error} />}
      {searching && page && (
        <>
          <p role="status">{momentsText(page.total, page.total_is_estimate)}</p>
          {page.items.length ? (
            <ResultList hits={page.items} state={state} />
          ) : (
            <p className="empty">Nothing matches. Try another word or fewer filters.</p>
          )}
          <Pager
            path="/search"
            params={params}
            total={page.total}
            limit={SEARCH_LIMIT}
            offset={state.offset}
            shown={page.items.length}
          />
        </>
      )}
    </>
  );
}
