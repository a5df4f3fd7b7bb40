"""Registering one file as a video with its six tasks: shared by discovery and upload."""

from collections.abc import Mapping

from framewise.application.ports import Clock, JobQueue, MediaLibrary, MediaProber, UnitOfWork
from framewise.application.results import DiscoveryReport, MediaUnreadable
from framewise.domain.ids import VideoId
from framewise.domain.provenance import Config
from framewise.domain.routing import TaskType
from framewise.domain.task import JobRequest, Task
from framewise.domain.video import FileStat, MediaInfo, Video, VideoStatus


class VideoRegistration:
    """Fingerprint and probe a file, then record it: a new video (or new content) gets its six
    tasks, committed in one transaction and then queued; the same content creates nothing; an
    unreadable or non-video file is recorded INVALID with the reason and gets no task."""

    def __init__(
        self,
        uow: UnitOfWork,
        library: MediaLibrary,
        prober: MediaProber,
        queue: JobQueue,
        clock: Clock,
        task_configs: Mapping[TaskType, Config],
    ) -> None:
        self._uow, self._library, self._prober = uow, library, prober
        self._queue, self._clock, self._configs = queue, clock, task_configs

    async def register(self, stat: FileStat, correlation_id: str, report: DiscoveryReport) -> VideoId:
        video_id, jobs = await self._record(stat, correlation_id, report)
        # Committed first: a push that fails leaves PENDING tasks the reconciler queues again.
        for job in jobs:
            report.jobs_enqueued += await self._queue.push(job)
        return video_id

    async def _inspect(self, stat: FileStat) -> tuple[str, MediaInfo | None, str | None]:
        path = self._library.absolute(stat.root, stat.path)
        try:
            fingerprint = await self._prober.fingerprint(path)
        except MediaUnreadable as exc:
            return "", None, str(exc)
        try:
            return fingerprint, await self._prober.probe(path), None
        except MediaUnreadable as exc:
            return fingerprint, None, str(exc)

    async def _record(
        self, stat: FileStat, correlation_id: str, report: DiscoveryReport
    ) -> tuple[VideoId, list[JobRequest]]:
        fingerprint, media, error = await self._inspect(stat)
        now = self._clock.now()
        async with self._uow:
            video = await self._uow.videos.by_path(stat.root, stat.path)
            if video is None:
                video = Video.register(stat, fingerprint, media, error, now)
                await self._uow.videos.add(video)
                report.new.append(video.id)
            elif video.content_hash == fingerprint and video.status is VideoStatus.READY and media:
                video.update_content(stat, fingerprint, media, error)  # touched, same content
                await self._uow.videos.save(video)
                await self._uow.commit()
                report.unchanged += 1
                return video.id, []
            else:
                video.update_content(stat, fingerprint, media, error)
                await self._uow.videos.save(video)
                # New content makes every earlier result wrong: drop the tasks (and, by cascade,
                # their artifacts) and start the six analyses again.
                await self._uow.tasks.delete_for_video(video.id)
                report.changed.append(video.id)
            if video.status is VideoStatus.INVALID:
                report.invalid[stat.path] = video.error or "unreadable"
                await self._uow.commit()
                return video.id, []
            jobs = []
            for task_type in TaskType:
                task = Task.create(
                    video_id=video.id,
                    task_type=task_type,
                    config=dict(self._configs.get(task_type, {})),
                    now=now,
                    correlation_id=correlation_id,
                )
                jobs.append(task.enqueue(now))
                await self._uow.tasks.add(task)
            report.tasks_created += len(jobs)
            await self._uow.commit()
        return video.id, jobs
