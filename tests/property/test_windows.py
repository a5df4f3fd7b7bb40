"""Windows join into one pass: frame sampling over any windows equals the single pass (the real
sampler on a generated video), and a runner failing at any window commits each window once."""

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framewise.application.results import Availability, MlTransientError, RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.contracts.ml import InferenceRequest, InferenceResponse, Timings
from framewise.domain.provenance import Provenance, config_hash
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, TaskStatus
from framewise.domain.video import FileStat, MediaInfo, Video
from framewise.domain.windows import WindowSizes, plan
from framewise_dev.media import SampleVideo
from framewise_ml.media.frames import sample_frames
from tests.fakes import FakeHeartbeats, FakeMediaLibrary, FakeMlResultCache, FakeUnitOfWork, FixedClock

pytestmark = pytest.mark.property
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def sampled(path: Path, interval_ms: int, start: int | None = None, end: int | None = None) -> list[tuple]:
    return [
        (f.index, f.timestamp_ms, f.image.tobytes()[::997])
        for f in sample_frames(path, interval_ms=interval_ms, start_ms=start, end_ms=end)
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(interval_ms=st.sampled_from([200, 500, 1000, 2000]), window_ms=st.integers(1, 9000))
def test_frames_sampled_over_any_windows_are_the_single_pass(
    sample_video: SampleVideo, interval_ms: int, window_ms: int
) -> None:
    single = sampled(sample_video.path, interval_ms)
    windows = plan(sample_video.duration_ms, window_ms, interval_ms)
    joined = [f for w in windows for f in sampled(sample_video.path, interval_ms, w.start_ms or None, w.end_ms)]
    assert joined == single
    assert all(w.start_ms % interval_ms == 0 for w in windows)


class WindowedScenes:
    """An ML client answering the scenes analysis of a 10 s video cut every 2.5 s, for any span,
    failing (transiently) on the calls drawn."""

    def __init__(self, fail_on: set[int]) -> None:
        self.calls = 0
        self.fail_on = fail_on

    async def is_available(self, task_type: TaskType) -> Availability:
        return Availability()

    async def infer(self, task_type: TaskType, request: InferenceRequest, *, correlation_id: str) -> InferenceResponse:
        self.calls += 1
        if self.calls in self.fail_on:
            raise MlTransientError("connection reset")
        start, end = request.start_ms or 0, request.end_ms or 10_000
        bounds = [start, *[c for c in (2500, 5000, 7500) if start < c < end], end]
        items = [{"scene_index": i, "start_ms": a, "end_ms": b} for i, (a, b) in enumerate(itertools.pairwise(bounds))]
        provenance = Provenance(
            producer="p",
            producer_version="1",
            model_profile="balanced",
            config_hash=config_hash({}),
            input_hash="fp:a",
            run_id=f"call-{self.calls}",
            device="cpu",
            weights="none",
        )
        timings = Timings(queue_wait_ms=0, decode_ms=0, inference_ms=1, total_ms=1)
        return InferenceResponse(task_type=task_type, items=items, provenance=provenance, timings=timings)


def queued_scenes_of_ten_seconds(uow: FakeUnitOfWork) -> Task:
    """A 10 s video in the store and its scene detection queued: what a windowed run starts from."""
    video = Video.register(FileStat("/m", "a.mp4", 10, 1.0), "fp:a", MediaInfo(10_000, 25, 32, 32, False), None, NOW)
    uow.committed.videos[video.id] = video
    task = Task.create(video_id=video.id, task_type=TaskType.SCENE_DETECTION, config={}, now=NOW, correlation_id="c")
    task.enqueue(NOW)
    uow.tasks.seed(task)
    return task


@settings(max_examples=100, deadline=None)
@given(window_ms=st.integers(1000, 12_000), fail_on=st.sets(st.integers(1, 12), max_size=4))
async def test_a_run_failing_at_any_window_commits_each_window_once(window_ms: int, fail_on: set[int]) -> None:
    uow = FakeUnitOfWork()
    task = queued_scenes_of_ten_seconds(uow)
    ml = WindowedScenes(fail_on)
    runner = TaskRunner(
        uow,
        ml,
        FakeMlResultCache(),
        FakeMediaLibrary(),
        FixedClock(NOW),
        FakeHeartbeats(uow),
        RetryPolicy(tries_per_attempt=10),
        windows=WindowSizes(window_ms),
    )
    outcomes, progress = [], []
    while not uow.committed.tasks[task.id].is_terminal:
        outcomes.append((await runner.execute(RunTask(task.id, 1, TaskType.SCENE_DETECTION))).outcome)
        progress.append(uow.committed.tasks[task.id].progress)
        assert len(outcomes) < 40
    windows = plan(10_000, window_ms)
    assert uow.committed.tasks[task.id].status is TaskStatus.COMPLETED
    assert sorted(uow.committed.windows[task.id]) == [w.index for w in windows]  # each once (the fake refuses twice)
    assert outcomes.count(RunOutcome.CONTINUE) == len(windows) - 1
    assert progress == sorted(progress) and progress[-1] == 1.0
    scenes = sorted((a.payload["start_ms"], a.payload["end_ms"]) for a in uow.committed.artifacts[task.id])
    assert scenes == [(0, 2500), (2500, 5000), (5000, 7500), (7500, 10_000)]  # no boundary invents a cut
    assert [
        a.payload["scene_index"] for a in sorted(uow.committed.artifacts[task.id], key=lambda a: a.span_start_ms)
    ] == [0, 1, 2, 3]
    assert len({a.provenance.run_id for a in uow.committed.artifacts[task.id]}) == 1  # one run
