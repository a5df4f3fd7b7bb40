"""A long video through `make run`, as a user would: the whole system (embedded stores, ML service,
both worker pools, API) started by `make run` on a media folder holding one generated video with
speech and text that changes every 2 s (the long-video bench's), polled through the API until its
six analyses are done.

Reported per analysis: wall time from its first RUNNING to COMPLETED, real-time factor, how many
distinct `progress` values the API showed and the longest wait between two of them (steady progress
means many values and no long silence), and how far the `eta_s` seen at half way was from the time
it really took. Not run by `make bench` by default: an hour of video takes about an hour on 2 cores.

`python -m bench.bench_make_run [--minutes 60] [--poll-s 15] [--timeout-min 300]`
"""

import argparse
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench._common import AUTH, BENCH_TOKEN, RESULTS, free_port, report
from bench.bench_long_video import make_video

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}


@dataclass
class Track:
    """What the API showed of one task over the run."""

    samples: list[tuple[float, str, float, float | None]] = field(default_factory=list)

    def add(self, t: float, task: dict[str, object]) -> None:
        progress = float(task.get("progress") or 0.0)  # type: ignore[arg-type]
        eta = task.get("eta_s")
        self.samples.append((t, str(task["status"]), progress, None if eta is None else float(eta)))  # type: ignore[arg-type]

    def summary(self, media_s: float) -> dict[str, object]:
        running = [s for s in self.samples if s[1] != "PENDING"]
        started = running[0][0] if running else None
        done = next((s[0] for s in self.samples if s[1] in TERMINAL), None)
        changes = [self.samples[0]] + [b for a, b in itertools.pairwise(self.samples) if b[2] != a[2]]
        values = sorted({s[2] for s in self.samples})
        inside = [c[0] for c in changes if started is not None and c[0] >= started]
        gaps = [b - a for a, b in itertools.pairwise(inside)]
        half = next((s for s in self.samples if s[2] >= 0.5 and s[3] is not None), None)
        wall = None if started is None or done is None else done - started
        return {
            "status": self.samples[-1][1],
            "wall_s": None if wall is None else round(wall),
            "realtime_x": None if not wall else round(media_s / wall, 2),
            "progress_values": len(values),
            "longest_silence_s": round(max(gaps)) if gaps else None,
            "eta_at_half_s": None if half is None else round(half[3] or 0),
            "really_left_s": None if half is None or done is None else round(done - half[0]),
        }


def wait_ready(url: str, process: subprocess.Popen[bytes], deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError("the API did not become ready")


def poll(url: str, process: subprocess.Popen[bytes], poll_s: float, timeout_s: float) -> tuple[dict[str, Track], float]:
    """Read the tasks through the API every `poll_s` until all six are done: what each showed, and
    the video's duration."""
    tracks: dict[str, Track] = {}
    media_s, began = 0.0, time.monotonic()
    with httpx.Client(base_url=f"{url}/api/v1", headers=AUTH, timeout=30) as api:
        while time.monotonic() - began < timeout_s:
            videos = api.get("/videos").json()["items"]
            if videos and videos[0].get("duration_ms"):
                media_s = videos[0]["duration_ms"] / 1000
            tasks = api.get("/tasks", params={"limit": 100}).json()["items"]
            now = time.monotonic() - began
            for task in tasks:
                tracks.setdefault(task["task_type"], Track()).add(now, task)
            line = {t["task_type"]: (t["status"][:4], round(float(t.get("progress") or 0), 3)) for t in tasks}
            print(json.dumps({"t_s": round(now), **line}), flush=True)
            if len(tasks) >= 6 and all(t["status"] in TERMINAL for t in tasks):
                break
            if process.poll() is not None:
                raise RuntimeError(f"make run exited with {process.returncode}")
            time.sleep(poll_s)
    return tracks, media_s


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench_make_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--poll-s", type=float, default=15.0)
    parser.add_argument("--timeout-min", type=float, default=300.0)
    parser.add_argument("--video", type=Path, help="use this video instead of generating one (left as it is)")
    parser.add_argument("--make-video", type=Path, help="only generate the video at this path, and stop")
    args = parser.parse_args()
    if args.make_video:
        make_video(args.make_video, args.minutes)
        return
    with tempfile.TemporaryDirectory(prefix="framewise-make-run-") as tmp:
        media = Path(tmp) / "media"
        media.mkdir()
        made = time.perf_counter()
        if args.video:  # a hard link (or a copy): a symbolic link out of the media root is not followed
            try:
                os.link(args.video, media / args.video.name)
            except OSError:
                shutil.copy(args.video, media / args.video.name)
        else:
            make_video(media / "long.mp4", args.minutes)
        generated_s = time.perf_counter() - made
        api_port = free_port()
        env = {
            **os.environ,
            "MEDIA_ROOTS": str(media),
            "DATA_DIR": str(Path(tmp) / "data"),
            "API_TOKENS": BENCH_TOKEN,
            "API_PORT": str(api_port),
            "ML_PORT": str(free_port()),
            "WORKER_METRICS_PORT": "0",
            "LOG_FORMAT": "json",
        }
        RESULTS.mkdir(exist_ok=True)
        log = (RESULTS / "make_run.log").open("wb")
        process = subprocess.Popen(
            ["make", "run"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{api_port}"
        try:
            wait_ready(url, process, 600)
            began = time.monotonic()
            tracks, media_s = poll(url, process, args.poll_s, args.timeout_min * 60)
            total_s = time.monotonic() - began
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            log.close()
    rows = [{"analysis": name, **track.summary(media_s)} for name, track in sorted(tracks.items())]
    meta = {
        "media_s": media_s,
        "generate_s": round(generated_s),
        "all_done_s": round(total_s),
        "poll_s": args.poll_s,
        "cpu_cores": os.cpu_count(),
    }
    samples = {name: track.samples for name, track in tracks.items()}
    (RESULTS / "make_run_samples.json").write_text(json.dumps(samples))
    report("make_run", rows, meta)


if __name__ == "__main__":
    main()
