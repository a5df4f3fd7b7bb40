"""The ML service's CPU budget: the cores it may use, shared by the analyses that run side by side."""

from pathlib import Path

import cv2
import pytest
import torch

from framewise_ml.cpu_budget import CpuBudget, usable_cores
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


def test_applying_it_sets_the_process_wide_pools() -> None:
    before = torch.get_num_threads(), cv2.getNumThreads()
    try:
        CpuBudget(4, 4, 1).apply()
        assert (torch.get_num_threads(), cv2.getNumThreads()) == (1, 1)
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])


def test_the_settings_default_to_working_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_ROOTS", "/tmp")
    settings = MlSettings()
    assert (settings.cpu_threads, settings.analysis_threads, settings.gpu_concurrency) == (0, 0, 2)
    monkeypatch.setenv("CPU_THREADS", "-1")
    with pytest.raises(ValueError, match="cpu_threads"):
        MlSettings()
