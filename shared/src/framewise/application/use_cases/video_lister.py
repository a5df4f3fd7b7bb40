from framewise.application.ports import VideoQueries
from framewise.application.results import Page, VideoFilter
from framewise.domain.video import Video


class VideoLister:
    """List videos filtered by status and path, sorted and paginated, with the total that matched."""

    def __init__(self, queries: VideoQueries) -> None:
        self._queries = queries

    async def execute(self, query: VideoFilter) -> Page[Video]:
        return await self._queries.list_videos(query)
