from framewise.application.ports import ArtifactQueries
from framewise.application.results import ArtifactFilter, Page
from framewise.domain.artifact import ArtifactEnvelope


class ArtifactLister:
    """List artifacts of a video, a task or a run, by type and time range, paginated."""

    def __init__(self, queries: ArtifactQueries) -> None:
        self._queries = queries

    async def execute(self, query: ArtifactFilter) -> Page[ArtifactEnvelope]:
        return await self._queries.list_artifacts(query)
