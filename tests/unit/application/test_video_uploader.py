"""Uploads through the real use case: the name and the declared size are checked before a byte is
read, only a real video is published and registered with its six tasks, content the library has is
not stored twice, and a rejected upload leaves nothing behind."""

from collections.abc import AsyncIterator

import pytest

from framewise.application.use_cases.video_uploader import VideoUploader
from framewise.domain.errors import InvalidUploadName, UploadNotVideo, UploadTooLarge
from framewise.domain.routing import TaskType
from framewise.domain.video import FileStat, VideoStatus
from tests.fakes import EIGHT_SECONDS, FakeJobQueue, FakeMediaLibrary, FakeMediaProber, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit
UPLOADS = "/up"


class FakeUploadStorage:
    """Staged files live in the library under a hidden folder (out of discovery's sight); publishing
    moves one to its final name. `content` and `media` say what the next staged bytes are."""

    def __init__(self, library: FakeMediaLibrary) -> None:
        self.library, self.staged = library, 0
        self.content, self.media = "new", EIGHT_SECONDS
        self.read = False

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> str:
        size = 0
        async for chunk in chunks:
            self.read, size = True, size + len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(max_bytes)
        self.staged += 1
        path = f".staging/{self.staged}"
        self.library.put(UPLOADS, path, content=self.content, size=size, media=self.media)
        return f"{UPLOADS}/{path}"

    async def publish(self, staged: str, name: str) -> FileStat:
        stat, content, media = self.library.files.pop((UPLOADS, staged.removeprefix(f"{UPLOADS}/")))
        self.library.put(UPLOADS, name, content=content, size=stat.size, mtime=stat.mtime, media=media)
        return FileStat(UPLOADS, name, stat.size, stat.mtime)

    async def discard(self, staged: str) -> None:
        self.library.files.pop((UPLOADS, staged.removeprefix(f"{UPLOADS}/")), None)


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class Setup:
    def __init__(self) -> None:
        self.uow, self.queue, self.library = FakeUnitOfWork(), FakeJobQueue(), FakeMediaLibrary()
        self.storage = FakeUploadStorage(self.library)
        prober = FakeMediaProber(self.library)
        self.uploader = VideoUploader(self.uow, self.storage, self.library, prober, self.queue, FixedClock())

    def files(self) -> list[str]:
        return sorted(path for root, path in self.library.files if root == UPLOADS)


async def test_a_video_is_published_under_its_name_and_registered_with_six_queued_tasks() -> None:
    s = Setup()

    uploaded = await s.uploader.execute(" clip.mp4 ", chunks(b"abc", b"de"), max_bytes=10, correlation_id="up-1")

    assert (uploaded.path, uploaded.size, uploaded.existing) == ("clip.mp4", 5, False)
    assert s.files() == ["clip.mp4"]
    video = s.uow.committed.videos[uploaded.video_id]
    assert (video.status, video.path, video.content_hash) == (VideoStatus.READY, "clip.mp4", "fp:new")
    tasks = [t for t in s.uow.committed.tasks.values() if t.video_id == video.id]
    assert sorted(t.task_type for t in tasks) == sorted(TaskType)
    assert {t.correlation_id for t in tasks} == {"up-1"} and len(s.queue.jobs) == 6
    assert (uploaded.report.new, uploaded.report.jobs_enqueued, uploaded.report.scanned) == ([video.id], 6, 1)


async def test_a_bad_name_or_a_declared_size_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    s = Setup()
    with pytest.raises(InvalidUploadName):
        await s.uploader.execute("../clip.mp4", chunks(b"x"), max_bytes=10, correlation_id="c")
    with pytest.raises(UploadTooLarge) as too_large:
        await s.uploader.execute("clip.mp4", chunks(b"x"), max_bytes=10, correlation_id="c", declared_bytes=11)
    assert too_large.value.limit == 10
    assert not s.storage.read and s.files() == [] and not s.uow.committed.videos
    at_the_limit = await s.uploader.execute(
        "clip.mp4", chunks(b"x"), max_bytes=10, correlation_id="c", declared_bytes=10
    )
    assert at_the_limit.size == 1


async def test_bytes_that_are_not_a_video_leave_nothing_behind() -> None:
    s = Setup()
    s.storage.media = None  # type: ignore[assignment]

    with pytest.raises(UploadNotVideo, match=r"^'notes\.mp4' is not a readable video: no video stream$"):
        await s.uploader.execute("notes.mp4", chunks(b"text"), max_bytes=10, correlation_id="c")

    assert s.files() == [] and not s.uow.committed.videos and not s.queue.jobs


async def test_content_the_library_has_is_not_stored_again_unless_all_its_files_are_gone() -> None:
    s = Setup()
    first = await s.uploader.execute("clip.mp4", chunks(b"abc"), max_bytes=10, correlation_id="c")

    again = await s.uploader.execute("copy.mp4", chunks(b"abc"), max_bytes=10, correlation_id="c")

    assert (again.video_id, again.path, again.size, again.existing) == (first.video_id, "clip.mp4", 3, True)
    assert (again.report.scanned, again.report.new) == (1, [])
    assert s.files() == ["clip.mp4"] and len(s.uow.committed.videos) == 1
    video = s.uow.committed.videos[first.video_id]
    video.lose(UPLOADS, "clip.mp4", video.discovered_at)  # its only file is gone: the video is MISSING
    s.library.files.pop((UPLOADS, "clip.mp4"))

    back = await s.uploader.execute("back.mp4", chunks(b"abc"), max_bytes=10, correlation_id="c")

    assert (back.video_id, back.existing, s.files()) == (first.video_id, False, ["back.mp4"])
    assert s.uow.committed.videos[first.video_id].status is VideoStatus.READY


async def test_an_upload_over_the_limit_while_streaming_is_dropped() -> None:
    s = Setup()
    with pytest.raises(UploadTooLarge):
        await s.uploader.execute("clip.mp4", chunks(b"123456", b"78901"), max_bytes=10, correlation_id="c")
    assert s.files() == [] and not s.uow.committed.videos
