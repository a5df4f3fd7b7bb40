from collections.abc import Sequence

from framewise.application.ports import Clock, JobQueue, MediaLibrary, MediaProber, UnitOfWork
from framewise.application.results import DiscoveryReport, KnownFile
from framewise.application.video_registration import VideoRegistration
from framewise.domain.ids import VideoId
from framewise.domain.video import FileStat


class VideoDiscoverer:
    """Register new and changed videos under the media roots and queue their six analyses; follow
    files that move, are copied, vanish and come back.

    Idempotent: a file whose size and mtime are unchanged is skipped unread, and one whose
    fingerprint is known creates nothing: a moved, renamed or copied file becomes a location of the
    video of its content, which keeps its results. A file modified less than `settle_s` ago may
    still be being written: it is left for a later scan. Unreadable and non-video files are
    recorded as INVALID with the reason and never stop the scan. A known file that a scan of its
    folder does not find is missing; a video none of whose files is left is MISSING, its results
    kept, until a file with its content is seen again.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        library: MediaLibrary,
        prober: MediaProber,
        queue: JobQueue,
        clock: Clock,
        *,
        roots: Sequence[str],
        settle_s: float = 0.0,
    ) -> None:
        self._uow, self._library, self._clock = uow, library, clock
        self._registration = VideoRegistration(uow, library, prober, queue, clock)
        self._roots, self._settle_s = list(roots), settle_s

    async def execute(self, correlation_id: str, folder: str | None = None) -> DiscoveryReport:
        """Scan every root, or only `folder` (absolute, or relative to the first root) when given.

        Every target is walked, and what it no longer holds marked missing, before any file is
        registered: a file moved between two folders (or roots) is then known for a move, whichever
        is scanned first."""
        report = DiscoveryReport()
        targets = [(root, "") for root in self._roots] if folder is None else [self._library.locate(folder)]
        scans: list[tuple[list[FileStat], dict[str, KnownFile]]] = []
        for root, under in targets:
            files = await self._library.scan(root, under)
            async with self._uow:
                known = await self._uow.videos.known_files(root)
            await self._lose_unseen(root, under, {f.path for f in files}, known, report)
            scans.append((files, known))
        settled_before = self._clock.now().timestamp() - self._settle_s
        for files, known in scans:
            for stat in files:
                report.scanned += 1
                seen = known.get(stat.path)
                unchanged = seen is not None and seen.size == stat.size and seen.mtime == stat.mtime
                if seen is not None and unchanged and not seen.missing:
                    report.unchanged += 1
                elif seen is not None and unchanged:
                    await self._registration.come_back(stat, correlation_id, report)
                elif stat.mtime > settled_before:
                    report.settling.append(stat.path)
                else:
                    await self._registration.register(stat, correlation_id, report)
        return report

    async def _lose_unseen(
        self, root: str, under: str, found: set[str], known: dict[str, KnownFile], report: DiscoveryReport
    ) -> None:
        """Mark missing the known files under the scanned folder that were there and are not now."""
        prefix = f"{under}/" if under else ""
        gone: dict[VideoId, list[str]] = {}
        for path, file in known.items():
            if not file.missing and path.startswith(prefix) and path not in found:
                gone.setdefault(file.video_id, []).append(path)
        for video_id, paths in gone.items():
            await self._registration.lose(video_id, root, sorted(paths), report)
