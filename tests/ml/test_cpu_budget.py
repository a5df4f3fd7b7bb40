"""The ML service's CPU budget: the cores it may use, shared by the analyses that run side by side."""

from pathlib import Path

import av
import cv2
import pytest
import torch

from framewise_dev.media import Segment, make_sample_video
from framewise_ml.cpu_budget import CpuBudget, usable_cores
from framewise_ml.media import frames
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.ml


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [("max 100000\n", 64), ("150000 100000\n", 2), ("50000 100000\n", 1), ("800000 100000\n", 8), ("rubbish", 64)],
)
def test_a_cgroup_quota_caps_the_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cpu_max: str, expected: int
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(64)))
    (tmp_path / "cpu.max").write_text(cpu_max)
    assert usable_cores(tmp_path / "cpu.max") == expected
    assert usable_cores(tmp_path / "absent") == 64  # no cgroup v2 file: the affinity alone


@pytest.mark.parametrize(
    ("cpu_threads", "analysis_threads", "side_by_side", "per_analysis"),
    [(0, 0, 2, 4), (0, 0, 1, 8), (0, 0, 3, 2), (2, 0, 4, 1), (6, 0, 2, 3), (0, 5, 2, 5)],
)
def test_each_analysis_gets_its_share_of_the_budget(
    cpu_threads: int, analysis_threads: int, side_by_side: int, per_analysis: int
) -> None:
    budget = CpuBudget.of(cpu_threads, analysis_threads, side_by_side, cores=8)
    assert budget.cores == (cpu_threads or 8) and budget.per_analysis == per_analysis


def test_applying_it_sets_the_process_wide_pools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads(), cv2.getNumThreads(), frames._decode_threads
    opened: list[av.container.InputContainer] = []
    real = frames._open
    monkeypatch.setattr(frames, "_open", lambda path: opened.append(real(path)) or opened[-1])

    def decoder_threads() -> int:
        """The decoder's threads while a sampling runs (its first frame is out)."""
        sampling = frames.sample_frames(video.path, interval_ms=100)
        next(sampling)
        threads = int(opened[-1].streams.video[0].thread_count)
        sampling.close()
        return threads

    video = make_sample_video(tmp_path / "v.mp4", segments=[Segment(0.5, (10, 20, 30))], width=64, height=48)
    try:
        CpuBudget(4, 4, 1).apply()
        assert (torch.get_num_threads(), cv2.getNumThreads(), decoder_threads()) == (1, 1, 1)
        CpuBudget(6, 2, 3).apply()
        assert decoder_threads() == 3  # each analysis's share
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])
        frames.set_decode_threads(before[2])


def test_the_settings_default_to_working_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_ROOTS", "/tmp")
    settings = MlSettings()
    assert (settings.cpu_threads, settings.analysis_threads, settings.gpu_concurrency) == (0, 0, 2)
    monkeypatch.setenv("CPU_THREADS", "-1")
    with pytest.raises(ValueError, match="cpu_threads"):
        MlSettings()
