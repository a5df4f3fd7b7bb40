import pytest

from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from framewise.domain.routing import QueueName, TaskType
from framewise.domain.video import VideoStatus
from tests.fakes import FakeJobQueue, FakeMediaLibrary, FakeMediaProber, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit


def discoverer(library: FakeMediaLibrary) -> tuple[VideoDiscoverer, FakeUnitOfWork, FakeJobQueue]:
    uow, queue = FakeUnitOfWork(), FakeJobQueue()
    use_case = VideoDiscoverer(uow, library, FakeMediaProber(library), queue, FixedClock(), roots=["/m"])
    return use_case, uow, queue


async def test_a_new_video_gets_six_tasks_each_queued_on_its_class_queue() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "a.mp4")
    use_case, uow, queue = discoverer(library)

    report = await use_case.execute("cid")

    assert len(report.new) == 1 and report.tasks_created == 6 and report.jobs_enqueued == 6
    tasks = list(uow.committed.tasks.values())
    assert sorted(t.task_type for t in tasks) == sorted(TaskType)
    assert {j.queue for j in queue.jobs.values() if j.task_id == tasks[0].id} <= set(QueueName)
    scene = next(t for t in tasks if t.task_type is TaskType.SCENE_DETECTION)
    assert queue.jobs[scene.job_id or ""].queue is QueueName.CPU_JOBS
    assert all(t.correlation_id == "cid" for t in tasks)


async def test_a_rescan_creates_nothing() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "a.mp4")
    use_case, uow, queue = discoverer(library)
    await use_case.execute("c1")

    again = await use_case.execute("c2")

    assert (again.new, again.unchanged, again.tasks_created, again.jobs_enqueued) == ([], 1, 0, 0)
    assert len(uow.committed.tasks) == 6 and len(queue.jobs) == 6


async def test_touched_file_with_same_content_creates_nothing() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "a.mp4", mtime=1.0)
    use_case, uow, _ = discoverer(library)
    await use_case.execute("c1")
    library.put("/m", "a.mp4", mtime=2.0)

    again = await use_case.execute("c2")

    assert again.changed == [] and again.tasks_created == 0
    assert next(iter(uow.committed.videos.values())).mtime == 2.0


async def test_changed_content_replaces_the_tasks() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "a.mp4", content="one")
    use_case, uow, _ = discoverer(library)
    await use_case.execute("c1")
    old = set(uow.committed.tasks)
    library.put("/m", "a.mp4", content="two", size=200)

    again = await use_case.execute("c2")

    assert len(again.changed) == 1 and again.tasks_created == 6
    assert len(uow.committed.tasks) == 6 and not old & set(uow.committed.tasks)


async def test_a_non_video_is_recorded_invalid_with_its_reason_and_gets_no_task() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "fake.mp4", media=None)
    library.put("/m", "real.mp4")
    use_case, uow, _ = discoverer(library)

    report = await use_case.execute("c")

    assert report.invalid == {"fake.mp4": "no video stream"}
    statuses = {v.path: v.status for v in uow.committed.videos.values()}
    assert statuses == {"fake.mp4": VideoStatus.INVALID, "real.mp4": VideoStatus.READY}
    assert len(uow.committed.tasks) == 6
