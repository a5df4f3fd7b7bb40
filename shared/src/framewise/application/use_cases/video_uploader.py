from collections.abc import AsyncIterator
from dataclasses import dataclass

from framewise.application.ports import Clock, JobQueue, MediaLibrary, MediaProber, UnitOfWork, UploadStorage
from framewise.application.results import DiscoveryReport, MediaUnreadable
from framewise.application.video_registration import VideoRegistration
from framewise.domain.errors import UploadNotVideo, UploadTooLarge
from framewise.domain.ids import VideoId
from framewise.domain.video import Video, upload_name


@dataclass(frozen=True)
class Uploaded:
    video_id: VideoId
    path: str
    size: int
    report: DiscoveryReport
    existing: bool = False  # the library had this content (a file of it is there): nothing was stored


class VideoUploader:
    """Store an uploaded video and discover it: the name is checked first, the bytes are streamed
    to a hidden staging file under a size limit, probed, and only a real video is moved into place
    (atomically) and registered with its six tasks. Content the library already has, with a file of
    it still there, is not stored a second time: the staged copy is dropped and the answer is that
    video. A rejected upload leaves nothing behind."""

    def __init__(
        self,
        uow: UnitOfWork,
        storage: UploadStorage,
        library: MediaLibrary,
        prober: MediaProber,
        queue: JobQueue,
        clock: Clock,
    ) -> None:
        self._uow, self._storage, self._prober, self._queue = uow, storage, prober, queue
        self._registration = VideoRegistration(uow, library, prober, queue, clock)

    async def execute(
        self,
        name: str,
        chunks: AsyncIterator[bytes],
        *,
        max_bytes: int,
        correlation_id: str,
        declared_bytes: int | None = None,
    ) -> Uploaded:
        """`declared_bytes` (a Content-Length) over the limit is refused before a byte is read; so is
        an upload while the queue is unreachable (its tasks could not be queued)."""
        final_name = upload_name(name)  # UnsupportedUpload before a byte is read
        if declared_bytes is not None and declared_bytes > max_bytes:
            raise UploadTooLarge(max_bytes)
        await self._queue.ping()
        staged = await self._storage.stage(chunks, max_bytes)
        try:
            try:
                await self._prober.probe(staged)
            except MediaUnreadable as exc:
                raise UploadNotVideo(f"{final_name!r} is not a readable video: {exc}") from None
            known = await self._known(staged)
            if known is not None:
                await self._storage.discard(staged)
                return Uploaded(known.id, known.path, known.size, DiscoveryReport(scanned=1), existing=True)
            stat = await self._storage.publish(staged, final_name)
        except BaseException:
            await self._storage.discard(staged)
            raise
        report = DiscoveryReport(scanned=1)
        video_id = await self._registration.register(stat, correlation_id, report)
        return Uploaded(video_id=video_id, path=stat.path, size=stat.size, report=report)

    async def _known(self, staged: str) -> Video | None:
        """The video of this content, when one of its files is there (a missing video is not: the
        upload brings its content back, so it is kept)."""
        fingerprint = await self._prober.fingerprint(staged)
        async with self._uow:
            video = await self._uow.videos.by_content(fingerprint)
        return video if video is not None and any(f.present for f in video.locations) else None
