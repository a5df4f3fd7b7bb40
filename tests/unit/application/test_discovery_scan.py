"""What one scan reads and reports, through the real use case and in-memory ports: every file is
counted, a file whose size and mtime are unchanged is not read again (nor one that comes back as it
was), a file written within `settle_s` is left for a later scan, and a folder scan stays in it."""

from datetime import UTC, datetime

import pytest

from framewise.application.use_cases.video_discoverer import VideoDiscoverer
from tests.fakes import FakeJobQueue, FakeMediaLibrary, FakeMediaProber, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class CountingProber(FakeMediaProber):
    def __init__(self, library: FakeMediaLibrary) -> None:
        super().__init__(library)
        self.read: list[str] = []

    async def fingerprint(self, absolute_path: str) -> str:
        self.read.append(absolute_path)
        return await super().fingerprint(absolute_path)


def scanner(library: FakeMediaLibrary, **settle: float) -> tuple[VideoDiscoverer, CountingProber, FakeUnitOfWork]:
    uow, prober = FakeUnitOfWork(), CountingProber(library)
    return VideoDiscoverer(uow, library, prober, FakeJobQueue(), FixedClock(NOW), roots=["/m"], **settle), prober, uow


async def test_every_file_is_counted_and_unchanged_ones_are_not_read_again() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "a.mp4", content="a")
    library.put("/m", "b.mp4", content="b")
    discover, prober, _ = scanner(library)
    first = await discover.execute("c")
    assert (first.scanned, len(first.new), len(prober.read)) == (2, 2, 2)

    prober.read.clear()
    again = await discover.execute("c")

    assert (again.scanned, again.unchanged, prober.read) == (2, 2, [])


async def test_a_file_back_as_it_was_is_trusted_unread() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "a.mp4")
    discover, prober, _ = scanner(library)
    await discover.execute("c")
    entry = library.files.pop(("/m", "a.mp4"))
    await discover.execute("c")  # gone: missing
    library.files[("/m", "a.mp4")] = entry
    prober.read.clear()

    back = await discover.execute("c")

    assert (back.returned, prober.read) == (["a.mp4"], [])


async def test_a_file_written_within_the_settling_time_waits_for_a_later_scan() -> None:
    now = NOW.timestamp()
    library = FakeMediaLibrary()
    library.put("/m", "old.mp4", content="o", mtime=now - 60)
    library.put("/m", "edge.mp4", content="e", mtime=now - 30)
    library.put("/m", "fresh.mp4", content="f", mtime=now - 10)
    discover, _, uow = scanner(library, settle_s=30)

    report = await discover.execute("c")

    assert report.settling == ["fresh.mp4"]
    assert sorted(v.path for v in uow.committed.videos.values()) == ["edge.mp4", "old.mp4"]


async def test_without_a_settling_time_a_file_written_just_now_is_taken() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "now.mp4", mtime=NOW.timestamp())
    discover, _, _ = scanner(library)
    report = await discover.execute("c")
    assert (report.settling, len(report.new)) == ([], 1)


async def test_a_folder_scan_reads_only_that_folder() -> None:
    library = FakeMediaLibrary()
    library.put("/m", "talks/a.mp4", content="a")
    library.put("/m", "other/b.mp4", content="b")
    discover, _, uow = scanner(library)

    report = await discover.execute("c", folder="/m/talks")

    assert report.scanned == 1
    assert [v.path for v in uow.committed.videos.values()] == ["talks/a.mp4"]
