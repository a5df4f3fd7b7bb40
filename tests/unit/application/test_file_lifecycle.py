"""Files that move, are copied, vanish, come back and are forgotten: discovery over fakes."""

import pytest

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.application.use_cases.video_forgetter import VideoForgetter
from framewise.domain.errors import VideoNotFound
from framewise.domain.ids import new_video_id
from framewise.domain.retry import RetryPolicy
from framewise.domain.video import Video, VideoStatus
from tests.fakes import (
    FakeHeartbeats,
    FakeJobQueue,
    FakeMediaLibrary,
    FakeMediaProber,
    FakeMlClient,
    FakeMlResultCache,
    FakeUnitOfWork,
    FixedClock,
)

pytestmark = pytest.mark.unit


class Library:
    def __init__(self) -> None:
        self.files = FakeMediaLibrary()
        self.uow, self.queue, self.clock = FakeUnitOfWork(), FakeJobQueue(), FixedClock()
        self.use_case = VideoDiscoverer(
            self.uow,
            self.files,
            FakeMediaProber(self.files),
            self.queue,
            self.clock,
            roots=["/m", "/n"],
        )

    @property
    def videos(self) -> list[Video]:
        return list(self.uow.committed.videos.values())

    def video(self) -> Video:
        [video] = self.videos
        return video

    def remove(self, path: str, root: str = "/m") -> None:
        del self.files.files[(root, path)]


async def test_a_renamed_file_keeps_its_video_and_results_and_costs_no_analysis() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    await lib.use_case.execute("c1")
    before, tasks = lib.video(), set(lib.uow.committed.tasks)
    lib.remove("a.mp4")
    lib.files.put("/m", "sub/b.mp4", content="x", mtime=5.0)

    report = await lib.use_case.execute("c2")

    assert (report.moved, report.missing, report.new, report.tasks_created) == (["sub/b.mp4"], ["a.mp4"], [], 0)
    after = lib.video()
    assert (after.id, after.path, after.status, after.missing_since) == (
        before.id,
        "sub/b.mp4",
        VideoStatus.READY,
        None,
    )
    assert [(f.path, f.present) for f in after.locations] == [("a.mp4", False), ("sub/b.mp4", True)]
    assert set(lib.uow.committed.tasks) == tasks


async def test_a_file_moved_to_another_root_is_a_move_whichever_root_is_scanned_first() -> None:
    lib = Library()
    lib.files.put("/n", "a.mp4", content="x")
    await lib.use_case.execute("c1")
    lib.remove("a.mp4", root="/n")
    lib.files.put("/m", "a.mp4", content="x")  # /m is scanned before /n

    report = await lib.use_case.execute("c2")

    assert (report.moved, report.copies, report.missing) == (["a.mp4"], [], ["a.mp4"])
    assert (lib.video().root, lib.video().status) == ("/m", VideoStatus.READY)


async def test_a_vanished_file_makes_its_video_missing_with_its_results_and_its_return_makes_it_ready() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x", mtime=1.0)
    await lib.use_case.execute("c1")
    tasks = dict(lib.uow.committed.tasks)
    lib.remove("a.mp4")
    lib.clock.advance(60)

    gone = await lib.use_case.execute("c2")
    again = await lib.use_case.execute("c3")

    assert gone.missing == ["a.mp4"] and again.missing == [], "a file is reported missing once"
    video = lib.video()
    assert (video.status, video.missing_since, video.path) == (VideoStatus.MISSING, lib.clock.now(), "a.mp4")
    assert lib.uow.committed.tasks == tasks

    lib.files.put("/m", "a.mp4", content="x", mtime=1.0)
    back = await lib.use_case.execute("c4")

    assert (back.returned, back.new, back.tasks_created) == (["a.mp4"], [], 0)
    assert (lib.video().status, lib.video().missing_since, lib.video().locations[0].present) == (
        VideoStatus.READY,
        None,
        True,
    )


async def test_a_file_back_with_other_content_is_new_and_the_missing_video_keeps_its_results() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    await lib.use_case.execute("c1")
    old = lib.video()
    lib.remove("a.mp4")
    await lib.use_case.execute("c2")
    lib.files.put("/m", "a.mp4", content="y", size=300)

    report = await lib.use_case.execute("c3")

    assert len(report.new) == 1 and report.tasks_created == 6
    assert lib.uow.committed.videos[old.id].status is VideoStatus.MISSING
    assert lib.uow.committed.videos[old.id].locations == []
    assert len(lib.uow.committed.tasks) == 12


async def test_identical_content_under_two_paths_is_one_video_analysed_once() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    lib.files.put("/m", "copy/a.mp4", content="x")
    lib.files.put("/n", "b.mp4", content="x")

    report = await lib.use_case.execute("c1")

    assert (len(report.new), report.copies, report.tasks_created) == (1, ["copy/a.mp4", "b.mp4"], 6)
    video = lib.video()
    assert (video.root, video.path) == ("/m", "a.mp4")
    assert {(f.root, f.path) for f in video.locations} == {("/m", "a.mp4"), ("/m", "copy/a.mp4"), ("/n", "b.mp4")}
    assert len(lib.queue.jobs) == 6


async def test_losing_the_primary_copy_moves_the_primary_to_a_copy_that_is_there() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    lib.files.put("/m", "b.mp4", content="x", mtime=3.0)
    await lib.use_case.execute("c1")
    lib.remove("a.mp4")

    report = await lib.use_case.execute("c2")

    assert report.missing == ["a.mp4"]
    video = lib.video()
    assert (video.path, video.mtime, video.status) == ("b.mp4", 3.0, VideoStatus.READY)


async def test_a_copy_whose_content_changes_leaves_for_a_video_of_its_own() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    lib.files.put("/m", "b.mp4", content="x")
    await lib.use_case.execute("c1")
    first = lib.video()
    lib.files.put("/m", "a.mp4", content="y", size=200)

    report = await lib.use_case.execute("c2")

    assert len(report.new) == 1 and report.changed == [] and report.tasks_created == 6
    kept = lib.uow.committed.videos[first.id]
    assert ([f.path for f in kept.locations], kept.path, kept.status) == (["b.mp4"], "b.mp4", VideoStatus.READY)
    assert [f.path for f in lib.uow.committed.videos[report.new[0]].locations] == ["a.mp4"]


async def test_two_files_that_swap_contents_cost_no_analysis() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x", size=100)
    lib.files.put("/m", "b.mp4", content="y", size=200)
    await lib.use_case.execute("c1")
    by_content = {v.content_hash: v.id for v in lib.videos}
    lib.files.put("/m", "a.mp4", content="y", size=200, mtime=2.0)
    lib.files.put("/m", "b.mp4", content="x", size=100, mtime=2.0)

    report = await lib.use_case.execute("c2")

    assert (report.new, report.changed, report.tasks_created) == ([], [], 0)
    paths = {v.content_hash: [f.path for f in v.locations] for v in lib.videos}
    assert paths == {"fp:x": ["b.mp4"], "fp:y": ["a.mp4"]}
    assert {v.content_hash: v.id for v in lib.videos} == by_content
    assert all(v.status is VideoStatus.READY for v in lib.videos)


async def test_a_vanished_invalid_file_is_forgotten() -> None:
    lib = Library()
    lib.files.put("/m", "bad.mp4", media=None)
    await lib.use_case.execute("c1")
    lib.remove("bad.mp4")

    report = await lib.use_case.execute("c2")

    assert report.missing == ["bad.mp4"] and lib.videos == []


async def test_invalid_files_with_the_same_bytes_stay_one_video_each() -> None:
    lib = Library()
    lib.files.put("/m", "bad.mp4", content="junk", media=None)
    lib.files.put("/m", "bad2.mp4", content="junk", media=None)

    report = await lib.use_case.execute("c1")

    assert set(report.invalid) == {"bad.mp4", "bad2.mp4"} and len(lib.videos) == 2


async def test_a_folder_scan_marks_missing_only_what_was_under_that_folder() -> None:
    lib = Library()
    lib.files.put("/m", "keep/a.mp4", content="x")
    lib.files.put("/m", "scan/b.mp4", content="y")
    await lib.use_case.execute("c1")
    lib.remove("keep/a.mp4")
    lib.remove("scan/b.mp4")
    lib.files.put("/m", "scan/other.mp4", content="z")

    report = await lib.use_case.execute("c2", folder="/m/scan")

    assert report.missing == ["scan/b.mp4"]
    statuses = {v.content_hash: v.status for v in lib.videos}
    assert statuses == {"fp:x": VideoStatus.READY, "fp:y": VideoStatus.MISSING, "fp:z": VideoStatus.READY}


async def test_forgetting_a_video_removes_it_with_its_tasks_and_a_queued_job_is_then_skipped() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    await lib.use_case.execute("c1")
    video = lib.video()
    job = next(iter(lib.queue.jobs.values()))

    await VideoForgetter(lib.uow).execute(video.id)

    assert (lib.videos, lib.uow.committed.tasks) == ([], {})
    with pytest.raises(VideoNotFound):
        await VideoForgetter(lib.uow).execute(new_video_id())
    runner = TaskRunner(
        lib.uow,
        FakeMlClient(),
        FakeMlResultCache(),
        lib.files,
        lib.clock,
        FakeHeartbeats(lib.uow),
        RetryPolicy(),
    )
    for task_type in (job.task_type, None):  # with the job's type, and an old job without it
        report = await runner.execute(RunTask(job.task_id, job.attempt, task_type))
        assert report.outcome is RunOutcome.SKIPPED and "no longer exists" in (report.error or "")


async def test_a_forgotten_file_still_under_a_root_is_discovered_again_as_new() -> None:
    lib = Library()
    lib.files.put("/m", "a.mp4", content="x")
    await lib.use_case.execute("c1")
    await VideoForgetter(lib.uow).execute(lib.video().id)

    report = await lib.use_case.execute("c2")

    assert len(report.new) == 1 and report.tasks_created == 6
