from collections.abc import Mapping, Sequence

from framewise.application.ports import Clock, JobQueue, MediaLibrary, MediaProber, UnitOfWork
from framewise.application.results import DiscoveryReport
from framewise.application.video_registration import VideoRegistration
from framewise.domain.provenance import Config
from framewise.domain.routing import TaskType


class VideoDiscoverer:
    """Register new and changed videos under the media roots and queue their six analyses.

    Idempotent: a file whose size and mtime are unchanged is skipped unread, and one whose
    fingerprint is unchanged creates nothing. A file modified less than `settle_s` ago may still
    be being written: it is left for a later scan. Unreadable and non-video files are recorded as
    INVALID with the reason and never stop the scan.
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
        task_configs: Mapping[TaskType, Config],
        settle_s: float = 0.0,
    ) -> None:
        self._uow, self._library, self._clock = uow, library, clock
        self._registration = VideoRegistration(uow, library, prober, queue, clock, task_configs)
        self._roots, self._settle_s = list(roots), settle_s

    async def execute(self, correlation_id: str, folder: str | None = None) -> DiscoveryReport:
        """Scan every root, or only `folder` (absolute, or relative to the first root) when given."""
        report = DiscoveryReport()
        targets = [(root, "") for root in self._roots] if folder is None else [self._library.locate(folder)]
        for root, under in targets:
            async with self._uow:
                known = await self._uow.videos.known_files(root)
            files = await self._library.scan(root, under)
            settled_before = self._clock.now().timestamp() - self._settle_s
            for stat in files:
                report.scanned += 1
                seen = known.get(stat.path)
                if seen is not None and seen.size == stat.size and seen.mtime == stat.mtime:
                    report.unchanged += 1
                elif stat.mtime > settled_before:
                    report.settling.append(stat.path)
                else:
                    await self._registration.register(stat, correlation_id, report)
        return report
