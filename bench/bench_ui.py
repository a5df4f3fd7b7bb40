"""The web UI in a real browser: first load size, and time to interactive of the library page with
10,000 videos and of the video page of a one-hour video with the results of the six analyses.

The library is generated in SQL (generate_series): 10,000 videos (9,999 plus the hour), each with
its row of `video_files` and its six tasks in mixed statuses (some running, so the page polls). The
hour video (3,600,000 ms) gets the artifacts the six analyses would give an hour, generated in
Python in their payload shapes, and the moments the worker would build from them
(`framewise.domain.moments.moments_of`): a transcript segment every 4 s with its words, two
on-screen texts every 2 s (a caption that changes each read, a title every 30 s; OCR configured
to read every 2 s), two or three
objects and a face each second, places every 2 s, a scene every 8 to 12 s. When
/tmp/hourvideo/long.mp4 (a real one-hour video) exists it is hard-linked as every file of the
library and as the hour video, so thumbnails and the stream are real; otherwise the rows alone.

The real API process serves the built UI (ui/dist, built first when stale) and the API; Debian's
Chromium (headless, driven by Playwright for Python; nothing downloads a browser) loads each page
signed in with the session cookie of `POST /api/v1/session`, as the UI does. Every load is cold for
the browser: a new context (no HTTP cache, no cookie but the session's). One load of each page is
a warm-up and not counted (the API's first queries, its thumbnail cache); then LOADS loads.

Time to interactive (TTI), in ms from the navigation start (performance.timeOrigin):
  1. rendered: the first animation frame at which the page shows what was seeded: on the library,
     24 video cards each with its 6 analysis chips and an enabled "Path contains" field; on the
     video page, the 6 analyses' timeline lanes each holding every moment the UI asks for (it stops
     at 2,000 a lane) and the transcript pane holding every segment (the people lane after them is
     asked for too, and stays empty: no face here belongs to a person);
  2. then a real mouse click (CDP input, not a synthetic event) is sent at once: on the library on
     the "Path contains" field, on the video page on the middle of the scenes lane;
  3. TTI = performance.now() in a `click` listener on window (bubbling: it runs after the page's
     own handlers for that click, i.e. the field is focused / the lane item has seeked the player
     and shown its details). So TTI = rendered + the round trip to send the click + the time the
     main thread was still busy + the handlers. "input delay" is the click's handler start minus
     the event's timeStamp (main-thread blocking alone).
Sanity checks only: the cards are the API's first page, the typed key lands in the field, the lanes
and the transcript hold the seeded moments, the click seeked the player.
"""

import asyncio
import gzip
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench._common import (
    AUTH,
    BENCH_TOKEN,
    api_process,
    bench_arguments,
    bench_stores,
    machine_cpu_s,
    own_cpu_s,
    report,
    store_marker,
)
from bench.bench_search import WORDS  # the same vocabulary as the search bench
from framewise.domain.moments import moments_of
from framewise.domain.payloads import ArtifactType
from framewise.infrastructure.postgres.mapping import MOMENT_COLUMNS, moment_record
from framewise_dev.ui_build import UI_DIR, build_ui

VIDEOS = int(os.environ.get("BENCH_UI_VIDEOS", "10000"))  # the hour video included
LOADS = int(os.environ.get("BENCH_UI_LOADS", "5"))
HOUR_MS = 3_600_000
REAL_VIDEO = Path(os.environ.get("BENCH_UI_VIDEO", "/tmp/hourvideo/long.mp4"))
CHROMIUM = os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium")
GZIP_AIM_KB = 200
PAGE_CARDS, CHIPS = 24, 6
MAX_LANE = 2000  # ui/src/api/queries.ts MAX_MOMENTS_PER_LANE
HOUR_ID = uuid.UUID(int=0xF00D)
TASK_TYPES = ("object_detection", "face_detection", "transcription", "ocr", "place_detection", "scene_detection")
LABELS = "car dog cat bicycle bus truck boat bird horse chair cup laptop book clock".split()
PLACES = "seashore valley alp lakeside library restaurant church palace grocery_store harbor".split()

SEED = """
INSERT INTO videos (id, root, path, size, mtime, content_hash, status, duration_ms, fps, width, height,
                    has_audio, discovered_at)
SELECT md5('v' || i)::uuid, $2, 'library/' || lpad(i::text, 5, '0') || '.mp4', $3, $4,
       'fw1:' || md5('h' || i), 'ready', 60000 + i * 37 % 3000000, 25, 640, 360, true,
       now() - (i || ' seconds')::interval
FROM generate_series(1, $1) AS i;

INSERT INTO video_files (root, path, video_id, size, mtime)
SELECT root, path, id, size, mtime FROM videos;

INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, progress, eta_s,
                   correlation_id, created_at, enqueued_at, started_at, completed_at, error, error_kind)
SELECT md5('t' || v || t)::uuid, md5('v' || v)::uuid, (ARRAY['object_detection','face_detection',
       'transcription','ocr','place_detection','scene_detection'])[t],
       s.status, CASE WHEN t = 6 THEN 'cpu_jobs' ELSE 'gpu_jobs' END, 1, '{}'::jsonb, md5('c' || t),
       CASE s.status WHEN 'COMPLETED' THEN 1 WHEN 'RUNNING' THEN 0.4 ELSE 0 END,
       CASE WHEN s.status = 'RUNNING' THEN 120 END, md5('r' || v || t),
       created, created, CASE WHEN s.status <> 'PENDING' THEN created + interval '5 seconds' END,
       CASE WHEN s.status IN ('COMPLETED','FAILED','CANCELLED')
            THEN created + interval '5 seconds' + ((v * 7 + t * 13) % 600) * interval '1 second' END,
       CASE WHEN s.status = 'FAILED' THEN 'model error' END,
       CASE WHEN s.status = 'FAILED' THEN 'permanent' END
FROM generate_series(1, $1) AS v, generate_series(1, 6) AS t,
     LATERAL (SELECT now() - ((v * 6 + t) || ' seconds')::interval AS created,
                     (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED',
                            'PENDING','PENDING','RUNNING','FAILED','CANCELLED','COMPLETED']
                     )[1 + (v * 7 + t * 5) % 12] AS status) AS s
"""


def box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x1": round(x, 1), "y1": round(y, 1), "x2": round(x + w, 1), "y2": round(y + h, 1)}


def frame(ms: int) -> int:
    return ms * 25 // 1000


def speech(rng: random.Random) -> list[dict[str, Any]]:
    """A transcript segment every 4 s, with its words."""
    out = []
    for k in range(HOUR_MS // 4000):
        start, n = k * 4000, rng.randint(8, 12)
        said = [rng.choice(WORDS) for _ in range(n)]
        words = [
            {"word": word, "start_ms": start + i * 350, "end_ms": start + i * 350 + 300,
             "probability": round(rng.uniform(0.6, 1), 3)}
            for i, word in enumerate(said)
        ]  # fmt: skip
        out.append(
            {"text": " ".join(said), "start_ms": start, "end_ms": start + n * 350, "language": "en",
             "confidence": round(rng.uniform(0.7, 1), 3), "words": words}
        )  # fmt: skip
    return out


def every_2s(rng: random.Random, out: dict[ArtifactType, list[dict[str, Any]]]) -> None:
    """On-screen text (a caption that changes each read, a chapter title every 30 s) and places."""
    for ms in range(0, HOUR_MS, 2000):
        texts = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randint(10, 99)}".upper()]
        texts.append(f"CHAPTER {ms // 30000 + 1}: {WORDS[(ms // 30000) % len(WORDS)].upper()}")
        for i, text in enumerate(texts):
            y = 300 if i == 0 else 20
            out[ArtifactType.OCR_TEXT].append(
                {"frame_index": frame(ms), "timestamp_ms": ms, "text": text, "confidence": 0.9,
                 "polygon": [{"x": 40, "y": y}, {"x": 600, "y": y}, {"x": 600, "y": y + 30}, {"x": 40, "y": y + 30}]}
            )  # fmt: skip
        top = PLACES[(ms // 20000) % len(PLACES)]
        others = [p for p in PLACES if p != top][:4]
        out[ArtifactType.PLACE].append(
            {"frame_index": frame(ms), "timestamp_ms": ms, "label_set": "places365",
             "predictions": [{"label": top, "confidence": 0.6}] + [{"label": p, "confidence": 0.08} for p in others]}
        )  # fmt: skip


def every_1s(rng: random.Random, out: dict[ArtifactType, list[dict[str, Any]]]) -> None:
    """Objects (a label changing every 3 s, a person most of the time, a car now and then) and faces."""
    for ms in range(0, HOUR_MS, 1000):
        s = ms // 1000
        seen = [LABELS[(s // 3) % len(LABELS)]]
        if (s // 10) % 4 != 3:
            seen.append("person")
        if s % 60 < 15:
            seen.append("car" if seen[0] != "car" else "bus")
        for i, label in enumerate(seen):
            out[ArtifactType.OBJECT].append(
                {"frame_index": frame(ms), "timestamp_ms": ms, "label": label,
                 "confidence": round(rng.uniform(0.4, 0.95), 3), "bbox": box(20 + 200 * i, 60, 180, 200), "track_id": i}
            )  # fmt: skip
        if "person" in seen:
            out[ArtifactType.FACE].append(
                {"frame_index": frame(ms), "timestamp_ms": ms, "confidence": round(rng.uniform(0.6, 0.99), 3),
                 "bbox": box(260, 80, 60, 70),
                 "landmarks": [{"x": 270 + 10 * j, "y": 100 + 5 * (j % 2)} for j in range(5)]}
            )  # fmt: skip


def hour_payloads() -> dict[ArtifactType, list[dict[str, Any]]]:
    """What the six analyses give for an hour of talk with text on screen (see the module docstring)."""
    rng = random.Random(7)
    out: dict[ArtifactType, list[dict[str, Any]]] = {t: [] for t in ArtifactType}
    out[ArtifactType.TRANSCRIPT_SEGMENT] = speech(rng)
    every_2s(rng, out)
    every_1s(rng, out)
    start, index = 0, 0
    while start < HOUR_MS:  # scenes: every 8 to 12 s
        end = min(HOUR_MS, start + rng.randint(8000, 12000))
        out[ArtifactType.SCENE].append({"scene_index": index, "start_ms": start, "end_ms": end})
        start, index = end, index + 1
    return out


TASK_OF = {
    ArtifactType.OBJECT: "object_detection",
    ArtifactType.FACE: "face_detection",
    ArtifactType.TRANSCRIPT_SEGMENT: "transcription",
    ArtifactType.OCR_TEXT: "ocr",
    ArtifactType.PLACE: "place_detection",
    ArtifactType.SCENE: "scene_detection",
}

CONFIG = {ArtifactType.OCR_TEXT: {"interval_ms": 2000}}  # on-screen text read every 2 s (its default is 1 s)
MOMENT_OF = {
    "object": "object", "face": "face", "transcript_segment": "transcript", "ocr_text": "ocr", "place": "place",
    "scene": "scene",
}  # fmt: skip


def span(payload: dict[str, Any]) -> tuple[int, int]:
    if "timestamp_ms" in payload:
        return payload["timestamp_ms"], payload["timestamp_ms"]
    return payload["start_ms"], payload["end_ms"]


def link_files(media_root: Path) -> tuple[bool, int, float]:
    """Every file of the library is the real video when there is one (hard links: no space, no copy):
    (real, size, mtime)."""
    if not REAL_VIDEO.is_file():
        return False, 10_000_000, 1.7e9
    (media_root / "library").mkdir()
    (media_root / "hour").mkdir()
    for i in range(1, VIDEOS):
        os.link(REAL_VIDEO, media_root / "library" / f"{i:05d}.mp4")
    os.link(REAL_VIDEO, media_root / "hour" / "long.mp4")
    return True, REAL_VIDEO.stat().st_size, REAL_VIDEO.stat().st_mtime


async def seed(database_url: str, media_root: Path, size: int, mtime: float) -> dict[str, Any]:
    """The library and the hour video; returns the counts per artifact type (artifacts, moments)."""
    root, now = str(media_root), datetime.now(UTC)
    payloads = hour_payloads()
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET synchronous_commit = off")
        async with connection.transaction():
            args = (VIDEOS - 1, root, size, mtime)
            for statement in (s for s in SEED.split(";\n") if s.strip()):
                used = max((n for n in range(1, 5) if f"${n}" in statement), default=0)
                await connection.execute(statement, *args[:used])
            await connection.execute(
                "INSERT INTO videos (id, root, path, size, mtime, content_hash, status, duration_ms, fps, width,"
                " height, has_audio, discovered_at) VALUES ($1, $2, 'hour/long.mp4', $3, $4, 'fw1:hour', 'ready',"
                " $5, 25, 640, 360, true, now() - interval '30 days')",
                HOUR_ID, root, size, mtime, HOUR_MS,
            )  # fmt: skip
            await connection.execute(
                "INSERT INTO video_files (root, path, video_id, size, mtime) VALUES ($1, 'hour/long.mp4', $2, $3, $4)",
                root, HOUR_ID, size, mtime,
            )  # fmt: skip
            artifact_rows, moment_rows, counts = [], [], {}
            for artifact_type, items in payloads.items():
                task_id, run_id = uuid.uuid5(HOUR_ID, artifact_type.value), f"hour-{artifact_type.value}"
                await connection.execute(
                    "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash,"
                    " progress, correlation_id, created_at, started_at, completed_at) VALUES ($1, $2, $3,"
                    " 'COMPLETED', 'gpu_jobs', 1, $5::jsonb, 'c', 1, 'bench', $4, $4, $4)",
                    task_id, HOUR_ID, TASK_OF[artifact_type], now, json.dumps(CONFIG.get(artifact_type, {})),
                )  # fmt: skip
                await connection.execute(
                    "INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash,"
                    " input_hash, device, weights, state, created_at, completed_at) VALUES ($1, $2, 'bench', '1',"
                    " 'default', 'c', 'fw1:hour', 'cpu', 'real', 'current', $3, $3)",
                    run_id, task_id, now,
                )  # fmt: skip
                for payload in items:
                    start, end = span(payload)
                    artifact_rows.append(
                        (uuid.uuid4(), HOUR_ID, task_id, 1, artifact_type.value, 1, start, end,
                         json.dumps(payload), run_id, now)
                    )  # fmt: skip
                found = moments_of(artifact_type, items, config=CONFIG.get(artifact_type, {}), run_id=run_id)
                moment_rows += [moment_record(HOUR_ID, task_id, m) for m in found]  # type: ignore[arg-type]
                counts[artifact_type.value] = (len(items), len(found))
            await connection.copy_records_to_table(
                "artifacts",
                records=artifact_rows,
                columns=["id", "video_id", "task_id", "attempt", "artifact_type", "schema_version", "span_start_ms",
                         "span_end_ms", "payload", "run_id", "created_at"],
            )  # fmt: skip
            await connection.copy_records_to_table("moments", records=moment_rows, columns=MOMENT_COLUMNS)
        await connection.execute("ANALYZE")
        return counts
    finally:
        await connection.close()


PROBE = """
window.__bench = {clicks: [], long: []};
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.long.push({start: e.startTime, duration: e.duration});
  }).observe({type: 'longtask', buffered: true});
} catch (e) {}
window.addEventListener('click', (e) => {
  if (e.isTrusted) window.__bench.clicks.push({at: performance.now(), stamp: e.timeStamp});
});
"""

LIBRARY_READY = """([cards, chips]) => {
  const shown = document.querySelectorAll('ul.videos li.video');
  const drawn = document.querySelectorAll('ul.videos li.video ul.chips li.chip');
  const field = document.getElementById('path_contains');
  if (shown.length < cards || drawn.length < cards * chips || !field || field.disabled) return false;
  const r = field.getBoundingClientRect();
  return {at: performance.now(), x: r.x + r.width / 2, y: r.y + r.height / 2,
          titles: [...shown].map((c) => c.querySelector('h2').textContent), chips: drawn.length};
}"""

VIDEO_READY = """([lanes, segments]) => {
  const found = document.querySelectorAll('.timeline .lane');
  if (found.length < Object.keys(lanes).length) return false;
  const items = {};
  for (const lane of found) items[lane.dataset.lane] = lane.querySelectorAll('button.moment').length;
  for (const [lane, n] of Object.entries(lanes)) if ((items[lane] ?? 0) < n) return false;
  const said = document.querySelectorAll('.transcript-list li').length;
  if (said < segments) return false;
  const r = document.querySelector('.lane[data-lane="scene"] .track').getBoundingClientRect();
  return {at: performance.now(), x: r.x + r.width / 2, y: r.y + r.height / 2, items, segments: said};
}"""

IN_VIEW = """() => {
  const shown = [...document.images].filter((i) => i.getBoundingClientRect().top < innerHeight);
  if (!shown.every((i) => i.complete)) return false;
  return {at: performance.now(), n: shown.length, broken: shown.filter((i) => i.naturalWidth === 0).length};
}"""

ENTRIES = """() => performance.getEntriesByType('resource').map((e) => ({
  name: e.name, type: e.initiatorType, start: e.startTime, end: e.responseEnd, duration: e.duration}))"""


def cold_load(browser: Any, url: str, path: str, ready: str, arg: Any) -> dict[str, Any]:
    """One load in a new context, signed in; the figures of that load (module docstring)."""
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
    try:
        context.add_init_script(PROBE)
        signed = context.request.post("/api/v1/session", data={"token": BENCH_TOKEN})
        assert signed.status == 200 and context.cookies(), signed.text()
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        bodies: dict[str, tuple[str, bytes, str | None]] = {}

        def keep(response: Any) -> None:
            if response.request.resource_type in ("script", "stylesheet") and response.ok:
                bodies[response.url] = (response.request.resource_type, response.body(),
                                        response.headers.get("content-encoding"))  # fmt: skip

        page.on("response", keep)
        page.goto(path, wait_until="commit")
        shown = page.wait_for_function(ready, arg=arg, polling="raf", timeout=120_000).json_value()
        page.mouse.click(shown["x"], shown["y"])
        page.wait_for_function("() => window.__bench.clicks.length > 0", timeout=60_000)
        click = page.evaluate("() => window.__bench.clicks[0]")
        result: dict[str, Any] = {"rendered": shown["at"], "tti": click["at"], "delay": click["at"] - click["stamp"]}
        long = [t for t in page.evaluate("() => window.__bench.long") if t["start"] < click["at"]]
        result["long_n"], result["long_ms"] = len(long), sum(t["duration"] for t in long)
        result["dcl"] = page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        result["shown"], result["page"], result["errors"] = shown, page, errors
        result["entries"] = page.evaluate(ENTRIES)
        result["bodies"] = bodies
        return result | {"context": context}
    except BaseException:
        context.close()
        raise


def api_requests(entries: list[dict[str, Any]], before_ms: float) -> tuple[int, float, float]:
    """The API requests (not media) started before `before_ms`: count, sum of durations, last response end."""
    media = ("/thumbnail", "/stream", "/captions.vtt")
    mine = [e for e in entries if "/api/v1/" in e["name"] and not any(m in e["name"] for m in media)]
    mine = [e for e in mine if e["start"] < before_ms]
    return len(mine), sum(e["duration"] for e in mine), max((e["end"] for e in mine), default=0.0)


def library_loads(browser: Any, url: str, expected: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    samples, first = [], {}
    for n in range(LOADS + 1):
        load = cold_load(browser, url, "/", LIBRARY_READY, [PAGE_CARDS, CHIPS])
        page = load["page"]
        try:
            assert load["shown"]["titles"] == expected, load["shown"]["titles"][:3]
            assert page.evaluate("() => document.activeElement.id") == "path_contains"
            page.keyboard.press("4")
            assert page.input_value("#path_contains") == "4"
            assert load["errors"] == [], load["errors"]
            in_view = page.wait_for_function(IN_VIEW, polling="raf", timeout=120_000).json_value()
            entries = page.evaluate(ENTRIES)
            thumbs = [e for e in entries if "/thumbnail" in e["name"]]
            count, total, last = api_requests(entries, load["tti"])
            listing = [e for e in entries if "/api/v1/videos?" in e["name"]]
            # the cards' status chips: one GET /tasks?video_id=… for the whole page
            chips = [e["duration"] for e in entries if "/api/v1/tasks?" in e["name"] and e["start"] < load["tti"]]
            sample = {**{k: load[k] for k in ("tti", "rendered", "delay", "long_n", "long_ms", "dcl")},
                      "listing_ms": listing[0]["duration"], "card_ms": statistics.median(chips),
                      "card_n": len(chips),
                      "requests": count, "request_ms": total, "last_response": last,
                      "thumbs": len(thumbs), "in_view": in_view["n"], "thumbs_done": in_view["at"],
                      "broken": in_view["broken"]}  # fmt: skip
            if n == 0:
                first = {"bodies": load["bodies"], "sample": sample}  # the warm-up: the first load of all
            else:
                samples.append(sample)
        finally:
            load["context"].close()
    return samples, first


def video_loads(browser: Any, url: str, lanes: dict[str, int], segments: int) -> list[dict[str, Any]]:
    samples = []
    for n in range(LOADS + 1):
        load = cold_load(browser, url, f"/videos/{HOUR_ID}", VIDEO_READY, [lanes, segments])
        page = load["page"]
        try:
            details = page.locator(".details").inner_text()
            assert "Scenes:" in details, details
            seeked = page.evaluate("() => document.getElementById('player').currentTime")
            assert seeked > 600, seeked  # the middle of the hour, give or take the lane's item widths
            assert load["errors"] == [], load["errors"]
            count, total, last = api_requests(load["entries"], load["tti"])
            lane_pages = [e for e in load["entries"] if "/api/v1/search?" in e["name"] and e["start"] < load["tti"]]
            if n:
                samples.append({**{k: load[k] for k in ("tti", "rendered", "delay", "long_n", "long_ms", "dcl")},
                                "lane_pages": len(lane_pages),
                                "lanes_from": min(e["start"] for e in lane_pages),
                                "lanes_to": max(e["end"] for e in lane_pages),
                                "requests": count, "request_ms": total, "last_response": last,
                                "items": load["shown"]["items"], "segments": load["shown"]["segments"]})  # fmt: skip
        finally:
            load["context"].close()
    return samples


def p50_max(samples: list[dict[str, Any]], key: str, digits: int = 0) -> tuple[str, str]:
    values = [s[key] for s in samples]
    return f"{statistics.median(values):,.{digits}f}", f"{max(values):,.{digits}f}"


def size_rows(bodies: dict[str, tuple[str, bytes, str | None]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for kind, name in (("script", "JavaScript"), ("stylesheet", "CSS")):
        files = [(u, b, enc) for u, (k, b, enc) in bodies.items() if k == kind]
        encoding = ", ".join(sorted({enc or "none" for _, _, enc in files}))
        raw = sum(len(b) for _, b, _ in files)
        packed = sum(len(gzip.compress(b, 9)) for _, b, _ in files)
        aim = f"; aim ≤ {GZIP_AIM_KB} KB gzipped: {packed / 1024 / GZIP_AIM_KB:.0%} of it" if kind == "script" else ""
        rows.append({
            "measure": f"first load: {name}, gzipped (KB)",
            "p50": f"{packed / 1024:.1f}",
            "max": "",
            "detail": f"{len(files)} file(s), {raw / 1024:.1f} KB raw; served with content-encoding {encoding}{aim}",
        })  # fmt: skip
    return rows


def api_alone(api: httpx.Client, cards: list[str]) -> list[dict[str, object]]:
    """The page's requests one at a time from Python (kept-alive connection; a bearer token, and the
    lane page with the session cookie too, as the browser sends it): what the API costs without the
    browser's concurrency, to set against the durations the browser saw."""
    rows: list[dict[str, object]] = []
    lane = {"video_id": str(HOUR_ID), "types": "transcript", "sort": "time", "limit": 100, "offset": 400}
    signed_in = httpx.Client(base_url=str(api.base_url))
    signed_in.post("/api/v1/session", json={"token": BENCH_TOKEN}).raise_for_status()
    cases: tuple[tuple[str, httpx.Client, str, Any], ...] = (
        ("GET /api/v1/videos?limit=24 (the library's page)", api, "/api/v1/videos", {"limit": PAGE_CARDS}),
        ("GET /api/v1/tasks?video_id=… (the page's chips)", api, "/api/v1/tasks",
         [("video_id", c) for c in cards] + [("limit", 200)]),
        ("GET /api/v1/search, a lane page of 100 (transcript)", api, "/api/v1/search", lane),
        ("the same lane page with the session cookie", signed_in, "/api/v1/search", lane),
    )  # fmt: skip
    for name, client, path, params in cases:
        samples = []
        for n in range(25):
            started = time.perf_counter()
            client.get(path, params=params).raise_for_status()
            if n >= 5:
                samples.append((time.perf_counter() - started) * 1000)
        p50, worst = f"{statistics.median(samples):.1f}", f"{max(samples):.1f}"
        detail = "20 sequential requests from Python, after 5"
        rows.append({"measure": f"API alone: {name} (ms)", "p50": p50, "max": worst, "detail": detail})
    return rows


def breakdown(samples: list[dict[str, Any]]) -> str:
    if "listing_ms" in samples[0]:
        listing, card = p50_max(samples, "listing_ms")[0], p50_max(samples, "card_ms")[0]
        return (
            f"GET /videos?limit=24 {listing} ms, then GET /tasks?video_id=… for the page's cards "
            f"({samples[0]['card_n']} request), p50 {card} ms"
        )
    pages, start, end = (p50_max(samples, k)[0] for k in ("lane_pages", "lanes_from", "lanes_to"))
    return (
        f"{pages} pages of 100 moments (GET /search: each lane's first page, then the lane's other pages at once) "
        f"from {start} to {end} ms"
    )


def page_rows(name: str, samples: list[dict[str, Any]], what: str) -> list[dict[str, object]]:
    """The rows of one page: TTI, rendered, DOMContentLoaded, long tasks, input delay, API requests."""
    rows: list[dict[str, object]] = []

    def row(measure: str, key: str, detail: str, digits: int = 0) -> None:
        p50, worst = p50_max(samples, key, digits)
        rows.append({"measure": f"{name}: {measure}", "p50": p50, "max": worst, "detail": detail})

    row("TTI (ms)", "tti", "rendered + a click handled")
    row("rendered (ms)", "rendered", what)
    row("DOMContentLoaded (ms)", "dcl", "the HTML, CSS and the app's script loaded and run")
    row("long tasks before TTI, summed (ms)", "long_ms", f"p50 {p50_max(samples, 'long_n')[0]} tasks over 50 ms")
    row("input delay of the click (ms)", "delay", "its handler's start minus the event's timeStamp", 1)
    total, last = p50_max(samples, "request_ms")[0], p50_max(samples, "last_response")[0]
    row(
        "API requests before TTI",
        "requests",
        f"p50 {total} ms summed, the last answered at {last} ms; " + breakdown(samples),
    )
    return rows


def measure(
    url: str, counts: dict[str, tuple[int, int]], marker: str | None
) -> tuple[list[dict[str, object]], str, str]:
    """Checks that the API answers what was seeded, then the loads in Chromium: (rows, chromium's version
    and the CPU the loads took, theirs and other processes')."""
    from playwright.sync_api import sync_playwright

    lanes = {MOMENT_OF[t]: moments for t, (_, moments) in counts.items()}
    shown_lanes = {k: min(v, MAX_LANE) for k, v in lanes.items()}
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as api:
        listed = api.get("/api/v1/videos", params={"limit": PAGE_CARDS}).json()
        assert listed["total"] == VIDEOS, listed["total"]
        expected = [item["path"].rsplit("/", 1)[-1] for item in listed["items"]]
        tasks = api.get(f"/api/v1/videos/{listed['items'][0]['id']}/tasks").json()
        assert tasks["total"] == 6, tasks
        for moment_type, n in lanes.items():
            params: dict[str, str | int] = {"video_id": str(HOUR_ID), "types": moment_type, "limit": 1}
            found = api.get("/api/v1/search", params=params).json()
            assert found["total"] == n, (moment_type, found["total"], n)
        alone = api_alone(api, [item["id"] for item in listed["items"]])
    machine, own, started = machine_cpu_s(), own_cpu_s(marker), time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            library, first = library_loads(browser, url, expected)
            video = video_loads(browser, url, shown_lanes, shown_lanes["transcript"])
            chromium = str(browser.version)
            # Counted while Chromium still runs: once closed, its CPU is nobody's until its parent reaps it,
            # and it was counted as other processes' (about one core of them).
            wall, mine = time.monotonic() - started, own_cpu_s(marker) - own
            other = max(0.0, machine_cpu_s() - machine - mine)
        finally:
            browser.close()
    cpu = f"this bench (browser, API, stores) {mine / wall:.2f} cores, other processes {other / wall:.2f}"
    drawn = f"{sum(video[0]['items'].values()):,} lane items, {video[0]['segments']:,} transcript segments"
    rows = size_rows(first["bodies"])
    rows += page_rows(f"library ({VIDEOS:,} videos)", library, f"{PAGE_CARDS} cards, {PAGE_CARDS * CHIPS} chips")
    rows += page_rows("video page (one hour)", video, drawn)
    p50, worst = p50_max(library, "thumbs_done")
    rows.append({
        "measure": "library: thumbnails in view loaded (ms)",
        "p50": p50,
        "max": worst,
        "detail": f"{library[0]['in_view']} in view, {library[0]['thumbs']} requested by then (lazy); the API caches "
        f"them: the warm-up's, cold, {first['sample']['thumbs_done']:,.0f} ms; broken {library[0]['broken']}",
    })  # fmt: skip
    rows += alone
    rows.append({
        "measure": "library: the first load of all, TTI (ms)",
        "p50": f"{first['sample']['tti']:,.0f}",
        "max": "",
        "detail": "the warm-up (the API's first queries, cold thumbnails), not counted above",
    })  # fmt: skip
    return rows, chromium, cpu


def main() -> None:
    bench_arguments(__doc__, "bench_ui")
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"{CHROMIUM} is missing: apt install chromium (or set BENCH_CHROMIUM)")
    build_ui()
    os.environ["UI_DIR"] = str(UI_DIR / "dist")
    os.environ["RATE_LIMIT_SIGN_IN"] = "0"  # every cold load signs in: more than a person would in a minute
    started = time.perf_counter()
    with bench_stores() as (database_url, valkey_url), tempfile.TemporaryDirectory(dir="/tmp") as media:
        real, size, mtime = link_files(Path(media))
        counts = asyncio.run(seed(database_url, Path(media), size, mtime))
        print(f"seeded in {time.perf_counter() - started:.1f} s: hour video (artifacts, moments) {counts}")
        with api_process(database_url, valkey_url, Path(media)) as url:
            rows, chromium, cpu = measure(url, counts, store_marker(database_url))
    lanes = {MOMENT_OF[t]: min(m, MAX_LANE) for t, (_, m) in counts.items()}
    report(
        "ui",
        rows,
        {
            "cpus": os.cpu_count(),
            "CPU during the loads": cpu,
            "chromium": f"{chromium} (headless, {CHROMIUM}), playwright {version('playwright')}",
            "library": f"{VIDEOS:,} videos, 6 tasks each in mixed statuses (some running: the page polls every 3 s)",
            "hour video": ", ".join(f"{k}: {a:,} artifacts → {m:,} moments" for k, (a, m) in counts.items()),
            "lanes drawn": f"{lanes} (the UI asks for at most {MAX_LANE} a lane)",
            "real file": f"{REAL_VIDEO} hard-linked" if real else "none (rows only)",
            "loads": f"{LOADS} cold loads per page (new browser context), after one warm-up load",
            "TTI": "ms from navigation start until a click sent once the seeded content is drawn is handled",
            "took s": round(time.perf_counter() - started),
        },
    )


if __name__ == "__main__":
    main()
