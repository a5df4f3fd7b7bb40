from framewise.application.ports import MomentSearch
from framewise.application.results import LabelCount
from framewise.domain.moments import MomentType


class LabelLister:
    """What there is to find: the most frequent labels (or, for speech, words) of one kind of moment,
    with how many moments and videos have each; for suggestions and facets."""

    def __init__(self, search: MomentSearch) -> None:
        self._search = search

    async def execute(self, moment_type: MomentType, prefix: str | None = None, limit: int = 50) -> list[LabelCount]:
        return await self._search.labels(moment_type, prefix, limit)
