"""Recording what a file holds (new content with its six tasks, or a file of known content), and
the files that are gone: shared by discovery and upload."""

from framewise.application.ports import Clock, JobQueue, MediaLibrary, MediaProber, UnitOfWork
from framewise.application.results import DiscoveryReport, MediaUnreadable
from framewise.domain.analysis_settings import effective_config, layers_for
from framewise.domain.errors import VideoNotFound
from framewise.domain.ids import VideoId
from framewise.domain.routing import TaskType
from framewise.domain.task import JobRequest, Task
from framewise.domain.video import FileStat, MediaInfo, Video, VideoStatus


class VideoRegistration:
    """Fingerprint and probe a file, then record it where its content says: a video is its content,
    so a file with known content becomes one more location of that video (a move, a rename or a
    copy: nothing is analysed again); new content gets a video with its six tasks, committed in one
    transaction and then queued; the file that was a video's only one and now holds new content
    makes that video the new content (its tasks start again). An unreadable or non-video file is
    recorded INVALID with the reason, one video per file, and gets no task."""

    def __init__(
        self,
        uow: UnitOfWork,
        library: MediaLibrary,
        prober: MediaProber,
        queue: JobQueue,
        clock: Clock,
    ) -> None:
        self._uow, self._library, self._prober = uow, library, prober
        self._queue, self._clock = queue, clock

    async def register(self, stat: FileStat, correlation_id: str, report: DiscoveryReport) -> VideoId:
        video_id, jobs = await self._record(stat, correlation_id, report)
        # Committed first: a push that fails leaves PENDING tasks the reconciler queues again.
        for job in jobs:
            report.jobs_enqueued += await self._queue.push(job)
        return video_id

    async def come_back(self, stat: FileStat, correlation_id: str, report: DiscoveryReport) -> VideoId:
        """A file that was gone is there again with the size and mtime it had: trusted unread, as an
        unchanged file is, and present again (its video READY again)."""
        async with self._uow:
            video = await self._uow.videos.by_path(stat.root, stat.path)
            if video is not None:
                video.see(stat, self._clock.now())
                await self._uow.videos.save(video)
                await self._uow.commit()
                report.returned.append(stat.path)
                return video.id
        return await self.register(stat, correlation_id, report)  # forgotten meanwhile: a new file

    async def lose(self, video_id: VideoId, root: str, paths: list[str], report: DiscoveryReport) -> None:
        """The video's files at these paths were not found: they are missing (the video MISSING
        when none of its files is left; an INVALID one is forgotten with its file)."""
        async with self._uow:
            try:
                video = await self._uow.videos.get(video_id, for_update=True)
            except VideoNotFound:
                return  # forgotten meanwhile
            now = self._clock.now()
            for path in paths:
                video.lose(root, path, now)
            await self._keep_or_forget(video)
            await self._uow.commit()
        report.missing.extend(paths)

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
            current = await self._uow.videos.by_path(stat.root, stat.path)  # whose file this was
            owner = await self._uow.videos.by_content(fingerprint) if media is not None else None
            if current is not None and owner is not None and current.id == owner.id:
                if current.see(stat, now):  # same content: touched, or back after it was gone
                    report.returned.append(stat.path)
                else:
                    report.unchanged += 1
                await self._uow.videos.save(current)
                await self._uow.commit()
                return current.id, []
            if owner is not None:  # known content at a new path, or a file now holding it
                if current is not None:
                    current.release(stat.root, stat.path, now)
                    await self._keep_or_forget(current)
                moved = owner.add_location(stat, now)
                (report.moved if moved else report.copies).append(stat.path)
                await self._uow.videos.save(owner)
                await self._uow.commit()
                return owner.id, []
            if current is not None and (
                current.status is VideoStatus.INVALID or current.only_file_is(stat.root, stat.path)
            ):
                # Its one file now holds new content: every earlier result is wrong. Drop the tasks
                # (and, by cascade, their artifacts) and start the analyses again.
                current.update_content(stat, fingerprint, media, error)
                await self._uow.videos.save(current)
                await self._uow.tasks.delete_for_video(current.id)
                report.changed.append(current.id)
                video = current
            else:
                if current is not None:  # a copy of it now holds new content: the copy leaves it
                    current.release(stat.root, stat.path, now)
                    await self._keep_or_forget(current)
                video = Video.register(stat, fingerprint, media, error, now)
                await self._uow.videos.add(video)
                report.new.append(video.id)
            if video.status is VideoStatus.INVALID:
                report.invalid[stat.path] = video.error or "unreadable"
                await self._uow.commit()
                return video.id, []
            jobs = []
            # Each analysis starts with the settings of where the video is (framewise.domain.analysis_settings).
            layers = layers_for(await self._uow.settings.all(), video.root, video.path, video.id)
            for task_type in TaskType:
                task = Task.create(
                    video_id=video.id,
                    task_type=task_type,
                    config=effective_config(task_type, layers, {}).config,
                    now=now,
                    correlation_id=correlation_id,
                )
                jobs.append(task.enqueue(now))
                await self._uow.tasks.add(task)
            report.tasks_created += len(jobs)
            await self._uow.commit()
        return video.id, jobs

    async def _keep_or_forget(self, video: Video) -> None:
        """An INVALID video is its one file: with that file gone, nothing of it is worth keeping."""
        if video.status is VideoStatus.INVALID and not any(f.present for f in video.locations):
            await self._uow.videos.delete(video.id)
        else:
            await self._uow.videos.save(video)
