"""Long videos on this machine: a generated 640x360 video with speech and text that changes every
2 s, run window by window through the real ML service (a process of its own, loopback, no token) the
way the worker asks it (`framewise.domain.windows`: the spans, the context, the stitching).

Reported per analysis: wall time, real-time factor (media seconds per wall second), windows, items;
the ML service's peak RSS after the long video against after a one-minute one (memory must not grow
with length); and how long the GPU gate stays busy after a client abandons an OCR window (aim: one
batch). The work redone after a SIGKILL at 50 % is a property of the worker, proven end to end by
`tests/e2e/test_faults.py::test_a_worker_killed_mid_window_the_ml_service_drops_it_and_a_new_worker_commits_each_window_once`
(at most the window in flight is computed again).

`python -m bench.bench_long_video [--minutes 60] [--window-s 300] [analysis ...]`; the model cache
is MODEL_CACHE_DIR (default `models`, as `make models` builds it).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from bench._common import free_port, report
from framewise.domain.analyses import CATALOGUE
from framewise.domain.windows import plan, request_span
from framewise_dev.media import Segment, make_sample_video

WORDS = "the quick brown fox jumps over the lazy dog while seven bright owls read maps by the river".split()


def make_video(path: Path, minutes: float) -> None:
    shots = max(1, round(minutes * 30))  # one every 2 s
    colours = [(30, 40, 120), (140, 40, 40), (40, 110, 50), (100, 30, 110), (20, 100, 120)]
    segments = [Segment(2.0, colours[i % 5], f"LINE {i:04d} {WORDS[i % len(WORDS)].upper()}") for i in range(shots)]
    sentences = max(1, round(minutes * 60 / 4))  # espeak says one in about 4 s
    speech = ". ".join(" ".join(WORDS[(i + k) % len(WORDS)] for k in range(9)) for i in range(sentences))
    make_sample_video(path, segments=segments, width=640, height=360, speech=speech)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return psutil.Process(pid).memory_info().rss / 2**20


class MlService:
    def __init__(self, media: Path, models: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "MEDIA_ROOTS": str(media),
            "ML_PORT": str(self.port),
            "MODEL_CACHE_DIR": str(models),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen([sys.executable, "-m", "framewise_ml.main"], env=env)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/livez", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise RuntimeError("the ML service did not start")

    def gate(self) -> dict[str, int]:
        return dict(httpx.get(f"{self.url}/health", timeout=10).json()["gate"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def run_analysis(ml: MlService, video: Path, duration_ms: int, endpoint: str, window_s: float) -> dict[str, object]:
    analysis = next(a for a in CATALOGUE if a.endpoint == endpoint)
    windows = plan(duration_ms, round(window_s * 1000), analysis.grid_ms({}))
    items, started = 0, time.perf_counter()
    with httpx.Client(base_url=ml.url, timeout=None) as client:
        for window in windows:
            start, end = request_span(analysis.stitching, window, duration_ms)
            body = {"video_path": str(video), "start_ms": start or None, "end_ms": end}
            answer = client.post(f"/infer/{endpoint}", json={k: v for k, v in body.items() if v is not None})
            answer.raise_for_status()
            items += len(answer.json()["items"])
    wall = time.perf_counter() - started
    return {
        "analysis": endpoint,
        "media_s": round(duration_ms / 1000, 1),
        "windows": len(windows),
        "wall_s": round(wall, 1),
        "realtime_x": round(duration_ms / 1000 / wall, 2),
        "items": items,
        "ml_peak_rss_mb": round(peak_rss_mb(ml.process.pid), 1),
    }


def gate_busy_after_abandon(ml: MlService, video: Path) -> float:
    """Seconds from a client giving up an OCR window to the gate having no inference running."""
    body = {"video_path": str(video), "start_ms": 0, "end_ms": 60_000}

    def ask() -> None:
        try:
            httpx.post(f"{ml.url}/infer/ocr", json=body, timeout=3.0)  # gives up after 3 s
        except httpx.HTTPError:
            pass

    caller = threading.Thread(target=ask)
    caller.start()
    deadline = time.monotonic() + 30
    while ml.gate()["running"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    caller.join()
    gone = time.monotonic()
    while ml.gate()["running"] and time.monotonic() - gone < 120:
        time.sleep(0.02)
    return time.monotonic() - gone


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench_long_video", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--window-s", type=float, default=300.0)
    parser.add_argument("analyses", nargs="*", default=[a.endpoint for a in CATALOGUE])
    args = parser.parse_args()
    models = Path(os.environ.get("MODEL_CACHE_DIR", "models")).resolve()
    with tempfile.TemporaryDirectory(prefix="framewise-long-") as tmp:
        media = Path(tmp)
        made = time.perf_counter()
        make_video(media / "long.mp4", args.minutes)
        make_video(media / "minute.mp4", 1.0)
        generated_s = time.perf_counter() - made
        ml = MlService(media, models)
        try:
            rows = []
            for name, minutes in (("minute.mp4", 1.0), ("long.mp4", args.minutes)):
                for endpoint in args.analyses:
                    row = run_analysis(ml, media / name, round(minutes * 60_000), endpoint, args.window_s)
                    rows.append({"video": name, **row})
                    print(rows[-1], flush=True)
            busy_s = gate_busy_after_abandon(ml, media / "long.mp4") if "ocr" in args.analyses else None
        finally:
            ml.stop()
    meta = {
        "minutes": args.minutes,
        "window_s": args.window_s,
        "generate_s": round(generated_s, 1),
        "gate_busy_after_abandon_s": None if busy_s is None else round(busy_s, 2),
        "cpu_cores": os.cpu_count(),
    }
    report("long_video", rows, meta)


if __name__ == "__main__":
    main()
