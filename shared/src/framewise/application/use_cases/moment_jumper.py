from dataclasses import dataclass

from framewise.application.ports import MomentSearch, VideoQueries
from framewise.application.results import Jump, SearchQuery
from framewise.domain.errors import VideoNotFound
from framewise.domain.ids import VideoId


@dataclass(frozen=True)
class JumpFrom:
    query: SearchQuery
    video_id: VideoId
    at_ms: int
    forward: bool  # next (True) or previous (False)


class MomentJumper:
    """From a point in a video, the next or previous moment the query finds, in library order
    (video path, then time), across videos, wrapping around the ends of the library."""

    def __init__(self, search: MomentSearch, videos: VideoQueries) -> None:
        self._search, self._videos = search, videos

    async def execute(self, command: JumpFrom) -> Jump:
        if await self._videos.find(command.video_id) is None:
            raise VideoNotFound(command.video_id)
        return await self._search.neighbour(command.query, command.video_id, command.at_ms, forward=command.forward)
