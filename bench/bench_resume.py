"""The work redone when a worker dies mid-video. A generated video (speech and text that changes
every 2 s, the long-video bench's) runs through the real processes (embedded stores, the ML service,
the API, one CPU-pool and one GPU-pool worker); once its OCR task is half done (by committed
windows) and the next window is half computed, the GPU worker gets SIGKILL and a new one is started
at once, as a supervisor would.

Reported per analysis: windows, the inferences the ML service completed for the task (its log's
`inference_done`) and those it dropped because the worker had gone (`inference_abandoned`), the
windows computed more than once (completed minus windows; aim: none, the one in flight is dropped
rather than finished), the attempts, and for OCR how long after the kill the task committed its next
window (the lease must run out first: `LEASE_S`, then the reconciler's look).

`python -m bench.bench_resume [--minutes 2] [--window-s 30]`; the model cache is MODEL_CACHE_DIR
(default `models`, as `make models` builds it).
"""

import argparse
import os
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench._common import bench_stores, report
from bench.bench_long_video import make_video
from framewise.domain.analyses import CATALOGUE
from framewise.domain.windows import plan
from tests.e2e.processes import Stack, running_stack
from tests.e2e.waits import wait_until

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}


def tasks(stack: Stack) -> dict[str, dict[str, Any]]:
    with stack.api() as api:
        return {t["task_type"]: t for t in api.get("/api/v1/tasks", params={"limit": 100}).json()["items"]}


def all_done(stack: Stack) -> dict[str, dict[str, Any]] | None:
    seen = tasks(stack)
    return seen if len(seen) == 6 and all(t["status"] in TERMINAL for t in seen.values()) else None


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench_resume", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--window-s", type=float, default=30.0)
    parser.add_argument("--timeout-min", type=float, default=60.0)
    args = parser.parse_args()
    models = Path(os.environ.get("MODEL_CACHE_DIR", "models")).resolve()
    with tempfile.TemporaryDirectory(prefix="framewise-resume-") as tmp, bench_stores() as (database_url, valkey_url):
        media = Path(tmp) / "media"
        media.mkdir()
        make_video(media / "long.mp4", args.minutes)
        env = {"ANALYSIS_WINDOW_S": str(args.window_s), "LOG_LEVEL": "INFO"}
        with running_stack(
            Path(tmp),
            database_url=database_url,
            valkey_url=valkey_url,
            media_root=media,
            model_cache=models,
            workers={"worker-cpu": "cpu", "worker-gpu": "gpu"},
            env=env,
        ) as stack:
            with stack.api() as api:
                api.post("/api/v1/paths/discover", timeout=300).raise_for_status()
            began = time.monotonic()
            wait_until(
                lambda: tasks(stack)["ocr"]["progress"] >= 0.5, timeout=args.timeout_min * 60, message="OCR half done"
            )
            half_s = time.monotonic() - began
            windows_done = tasks(stack)["ocr"]["progress"]
            # Half of the time a window has taken so far: the next window is about half computed.
            time.sleep(half_s / max(1, round(windows_done * args.minutes * 60 / args.window_s)) / 2)
            progress_at_kill = tasks(stack)["ocr"]["progress"]
            stack.services["worker-gpu"].signal(signal.SIGKILL)
            stack.services["worker-gpu"].wait(10)
            killed = time.monotonic()
            stack.start_worker("worker-gpu", "gpu")
            moved_on = wait_until(
                lambda: (time.monotonic() - killed) if tasks(stack)["ocr"]["progress"] > progress_at_kill else None,
                timeout=args.timeout_min * 60,
                message="OCR's next window after the kill",
            )
            with stack.api() as api:
                duration_ms = int(api.get("/api/v1/videos").json()["items"][0]["duration_ms"])
            final = wait_until(
                lambda: all_done(stack), timeout=args.timeout_min * 60, message="every task done", every=2
            )
            total_s = time.monotonic() - began
            ml = stack.services["ml"]
            done = Counter(str(e["model"]) for e in ml.events("inference_done"))
            abandoned = Counter(str(e["model"]) for e in ml.events("inference_abandoned"))
    rows = []
    for task in sorted(final.values(), key=lambda t: str(t["task_type"])):
        analysis = next(a for a in CATALOGUE if a.task_type.value == task["task_type"])
        windows = len(plan(duration_ms, round(args.window_s * 1000), analysis.grid_ms({})))
        name = analysis.endpoint
        rows.append(
            {
                "analysis": task["task_type"],
                "status": task["status"],
                "attempt": task["attempt"],
                "windows": windows,
                "completed_inferences": done[name],
                "abandoned_inferences": abandoned[name],
                "windows_computed_twice": done[name] - windows,
            }
        )
    meta = {
        "media_s": args.minutes * 60,
        "window_s": args.window_s,
        "ocr_progress_at_kill": progress_at_kill,
        "ocr_next_window_after_kill_s": round(moved_on, 1),
        "all_done_s": round(total_s),
        "cpu_cores": os.cpu_count(),
    }
    report("resume", rows, meta)


if __name__ == "__main__":
    main()
