"""Which CPU thread setting indexes fastest when analyses run side by side on the ML service's cores.

The six analyses of bench_ml's 60 s clip (busy footage: every shot moves), twice over as two videos
would queue, through the models' own `predict`, with as many analyses at once as the gate allows.
Each setting runs in a fresh process (torch's and OpenCV's thread pools are process-wide):

- `shared`: GPU_CONCURRENCY=2, each analysis gets the cores / 2 (the default, cpu_budget.py);
- `oversubscribed`: GPU_CONCURRENCY=2, each analysis takes every core (how it ran before);
- `one at a time`: GPU_CONCURRENCY=1, the one analysis takes every core.

`--cores N` sets the budget (default: the cores this process may use).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._common import bench_arguments, report
from framewise.contracts.ml import InferenceRequest
from framewise_ml.cpu_budget import CpuBudget, usable_cores
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.weights.build import build_cache

ANALYSES = ("objects", "faces", "transcribe", "ocr", "places", "scenes")
INTERVAL_MS = {"objects": 1000, "faces": 1000, "ocr": 1000, "places": 2000}
VIDEOS = 2


def run_setting(
    cache: Path, video: Path, side_by_side: int, per_analysis: int, videos: int = VIDEOS
) -> dict[str, float]:
    """In this process: the models built with the setting's threads, the six analyses of `videos`
    copies of `video` queued as the worker queues them, through a pool of `side_by_side` workers;
    the wall time and each analysis's summed seconds."""
    budget = CpuBudget(per_analysis * side_by_side, side_by_side, per_analysis)
    budget.apply()
    registry = ModelRegistry.default(ModelContext(cache, "cpu"), threads=per_analysis)
    registry.load_all()

    def job(name: str) -> tuple[str, float]:
        config = {"interval_ms": INTERVAL_MS[name]} if name in INTERVAL_MS else {}
        started = time.perf_counter()
        registry.get(name).predict(InferenceRequest(video_path=str(video), config=config), video)
        return name, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(side_by_side) as pool:
        done = list(pool.map(job, [name for _ in range(videos) for name in ANALYSES]))
    seconds = {"wall": time.perf_counter() - started}
    for name, spent in done:
        seconds[name] = seconds.get(name, 0.0) + spent
    return seconds


def in_fresh_process(cache: Path, video: Path, side_by_side: int, per_analysis: int, videos: int) -> dict[str, float]:
    """`run_setting` in a process of its own (torch's and OpenCV's thread pools are process-wide)."""
    command = [sys.executable, "-m", "bench.bench_threads", "--run", str(cache), str(video)]
    out = subprocess.run(
        [*command, str(side_by_side), str(per_analysis), str(videos)], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cores", type=int, default=0, help="the CPU budget (default: the usable cores)")
    parser.add_argument(
        "--run", nargs=5, metavar=("CACHE", "VIDEO", "SIDE_BY_SIDE", "THREADS", "VIDEOS"), help=argparse.SUPPRESS
    )
    args = bench_arguments(__doc__, "bench_threads", parser=parser)
    if args.run:
        cache, video, side, threads, videos = args.run
        print(json.dumps(run_setting(Path(cache), Path(video), int(side), int(threads), int(videos))))
        return
    from bench.bench_ml import clip

    cores = args.cores or usable_cores()
    settings = {
        "shared": (2, CpuBudget.of(cores, 0, 2).per_analysis),
        "oversubscribed": (2, cores),
        "one at a time": (1, cores),
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="framewise-bench-threads-") as tmp:
        cache = Path(tmp) / "models"
        build_cache(cache, online=False)
        video = clip(Path(tmp)).path
        timings = {}
        for name, (side, threads) in settings.items():
            timings[name] = in_fresh_process(cache, video, side, threads, VIDEOS)
    best = min(t["wall"] for t in timings.values())
    for name, (side, threads) in settings.items():
        seconds = timings[name]
        rows.append(
            {
                "setting": name,
                "analyses at once": str(side),
                "threads each": str(threads),
                "wall s": f"{seconds['wall']:.2f}",
                "vs best": f"{seconds['wall'] / best:.2f}x",
                **{a: f"{seconds[a]:.1f}" for a in ANALYSES},
            }
        )
    report(
        "threads",
        rows,
        {"cores": cores, "work": f"the six analyses of bench_ml's 60 s clip, {VIDEOS} videos", "device": "cpu"},
    )


if __name__ == "__main__":
    main()
