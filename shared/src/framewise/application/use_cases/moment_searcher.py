from framewise.application.ports import MomentSearch
from framewise.application.results import Page, SearchHit, SearchQuery


class MomentSearcher:
    """Find moments across the library: free text, filters, co-occurrence, by relevance or time."""

    def __init__(self, search: MomentSearch) -> None:
        self._search = search

    async def execute(self, query: SearchQuery) -> Page[SearchHit]:
        return await self._search.search(query)
