"""How many CPU threads each analysis may use, so that the analyses the gate lets run side by side
share the ML service's cores instead of each taking all of them.

The budget is `CPU_THREADS`, or the cores this process may use: its CPU affinity, capped by a cgroup
v2 CPU quota (a container's or a Kubernetes pod's limit) when there is one. Each analysis gets
`ANALYSIS_THREADS`, or the budget divided by `GPU_CONCURRENCY` (the analyses that run at once), at
least one. That count goes to every library that keeps a thread pool: torch's intra-op threads,
OpenCV's and FFmpeg's video decoder (process-wide, set here once), onnxruntime's (RapidOCR) and
CTranslate2's (faster-whisper), which each engine is built with. `bench/bench_threads.py` measures
the choice. (FFmpeg's own choice, a thread a core and one more, had two analyses side by side each
decoding on three threads; on one thread bench_ml's 640x360 clip gives its samples for 0.46 s of CPU
against 0.58 s, in the same time when alone.)
"""

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Self

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cores(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The cores this process may run on: its affinity, capped by a cgroup v2 quota ("max" or
    "<quota> <period>" in cpu.max, rounded up) when one is set and readable."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
    except (OSError, ValueError):
        return cores
    if quota == "max" or not quota.isdigit() or not period.isdigit() or int(period) == 0:
        return cores
    return max(1, min(cores, math.ceil(int(quota) / int(period))))


@dataclass(frozen=True)
class CpuBudget:
    cores: int  # the threads all analyses together may use
    side_by_side: int  # analyses that run at once (GPU_CONCURRENCY)
    per_analysis: int  # the threads each one's libraries use

    @classmethod
    def of(cls, cpu_threads: int, analysis_threads: int, side_by_side: int, cores: int | None = None) -> Self:
        """0 for `cpu_threads` or `analysis_threads`: work it out (see the module's doc)."""
        budget = cpu_threads or cores or usable_cores()
        return cls(budget, side_by_side, analysis_threads or max(1, budget // side_by_side))

    def apply(self) -> None:
        """Set the process-wide pools (torch, OpenCV, the video decoder) to `per_analysis`; the
        others are given it."""
        from framewise_ml.media.frames import set_decode_threads

        set_decode_threads(self.per_analysis)
        try:
            import torch

            torch.set_num_threads(self.per_analysis)
        except ImportError:
            pass
        try:
            import cv2

            cv2.setNumThreads(self.per_analysis)
        except ImportError:
            pass

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
