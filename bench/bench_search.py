"""Find the moment: search p50/p99 per query kind over 1,000,000 artifacts and 100,000 moments, one
request at a time and from 8 clients at once, the cost of a thumbnail (cold and warm) of a 1080p
H.264 frame, and the cost of building moments.

The library is generated in SQL (generate_series): 2,000 videos, each with 500 artifacts and 50
moments (speech, on-screen text, objects, places) drawn from a vocabulary, so that common and rare
words both occur; `news` is said in 5 of 13 speech moments (10,000 of 26,000), and a tenth of the videos
speak French and another tenth German (each moment is matched in its own language). The real API
process answers over HTTP, so each figure is a whole request: auth, validation, the library's
languages and the query's close spellings, the page and the total (counted to 10,000, estimated
beyond), signing, JSON. The figures are of a library autovacuum has been through (VACUUM ANALYZE after
the bulk load); in the minute before it does, the same queries take 2-4 times as long.
"""

import asyncio
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import av
import httpx
import numpy as np

from bench._common import AUTH, api_process, bench_arguments, bench_stores, percentile, report
from framewise.domain.moments import frame_moments, normalise, trigrams
from framewise.domain.payloads import ArtifactType
from framewise.infrastructure.media.thumbnails import CachedFrameGrabber
from framewise.infrastructure.postgres.mapping import WRITTEN_MOMENT_COLUMNS

VIDEOS = int(os.environ.get("BENCH_SEARCH_VIDEOS", "2000"))  # x 500 artifacts, x 50 moments
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
CLIENTS = int(os.environ.get("BENCH_SEARCH_CLIENTS", "8"))
WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec "
    "romeo sierra tango uniform victor whiskey xray yankee zulu thursday harbour station market river bridge "
    "garden library tower castle meeting lecture budget weather football election concert exhibition"
).split()
LABELS = "person car dog cat bicycle bus truck boat bird horse chair cup laptop book clock".split()
PLACES = "seashore valley alp lakeside library restaurant church palace grocery store".split()

SEED = """
INSERT INTO videos (id, root, path, size, mtime, content_hash, status, duration_ms, fps, width, height,
                    has_audio, discovered_at)
SELECT md5('v' || i)::uuid, '/media', 'library/' || lpad(i::text, 5, '0') || '.mp4', 1e7 + i, 1.7e9,
       'fw1:' || md5('h' || i), 'ready', 600000, 25, 640, 360, true, now()
FROM generate_series(1, $1) AS i;

INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, progress,
                   correlation_id, created_at)
SELECT md5('t' || v || ':' || t)::uuid, md5('v' || v)::uuid, (ARRAY['transcription','ocr','object_detection',
       'place_detection'])[t], 'COMPLETED', 'gpu_jobs', 1, '{}'::jsonb, 'c', 1, 'bench', now()
FROM generate_series(1, $1) AS v, generate_series(1, 4) AS t;

INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, input_hash, device,
                  weights)
SELECT md5('r' || v || ':' || t), md5('t' || v || ':' || t)::uuid, 'bench', '1', 'default', 'c',
       'fw1:' || md5('h' || v), 'cpu', 'real'
FROM generate_series(1, $1) AS v, generate_series(1, 4) AS t;

INSERT INTO artifacts (id, video_id, task_id, attempt, artifact_type, schema_version, span_start_ms,
                       span_end_ms, payload, run_id, created_at)
SELECT md5('a' || v || ':' || k)::uuid, md5('v' || v)::uuid, md5('t' || v || ':' || (1 + k % 4))::uuid, 1,
       (ARRAY['transcript_segment','ocr_text','object','place'])[1 + k % 4], 1, k * 1000, k * 1000,
       jsonb_build_object('text', 'w' || k, 'confidence', 0.8, 'timestamp_ms', k * 1000, 'frame_index', k * 25),
       md5('r' || v || ':' || (1 + k % 4)), now()
FROM generate_series(1, $1) AS v, generate_series(0, 499) AS k;

"""


def moment_rows(ids: dict[tuple[int, int], tuple[Any, Any, str]]) -> list[tuple[Any, ...]]:
    """50 moments a video: speech (three words), on-screen text (two), an object and a place each
    every fourth, with the trigrams and search text the worker would store."""
    rows = []
    for v in range(1, VIDEOS + 1):
        for k in range(50):
            kind = k % 4
            language = None
            if kind == 0:
                label = " ".join(WORDS[(v * a + k * b) % len(WORDS)] for a, b in ((3, 1), (5, 7), (1, 11)))
                if (v + k) % 13 < 5:  # 5 in 13 of the speech: a word that 10,000 moments say
                    label += " news"
                language = ("fr", "de", *["en"] * 8)[v % 10]
            elif kind == 1:
                label = f"{WORDS[(v * 7 + k) % len(WORDS)]} {WORDS[(v + k) % len(WORDS)]}".upper()
            elif kind == 2:
                label = LABELS[(v + k) % len(LABELS)]
            else:
                label = PLACES[(v * 3 + k) % len(PLACES)]
            video_id, task_id, run_id = ids[(v, kind + 1)]
            kinds = ("transcript", "ocr", "object", "place")
            confidence = 0.3 + (v * 7 + k * 13) % 70 / 100
            rows.append(
                (video_id, task_id, run_id, kinds[kind], label, normalise(label), trigrams(label),
                 k * 10000, k * 10000 + 4000, confidence, k * 10000 + 1000, 4, language)
            )  # fmt: skip
    return rows


async def seed(database_url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET synchronous_commit = off")
        async with connection.transaction():
            for statement in (s for s in SEED.split(";\n") if s.strip()):
                await connection.execute(statement, VIDEOS)
            found = await connection.fetch(
                "SELECT v.path, t.task_type, t.video_id, t.id, r.run_id FROM tasks t "
                "JOIN videos v ON v.id = t.video_id JOIN runs r ON r.task_id = t.id"
            )
            kinds = {"transcription": 1, "ocr": 2, "object_detection": 3, "place_detection": 4}
            ids = {(int(r["path"][8:13]), kinds[r["task_type"]]): (r["video_id"], r["id"], r["run_id"]) for r in found}
            await connection.copy_records_to_table("moments", records=moment_rows(ids), columns=WRITTEN_MOMENT_COLUMNS)
        # A library is searched after autovacuum has been through its new rows (within a minute of a
        # bulk load): VACUUM sets the visibility map and hint bits that the first reads would otherwise
        # write, and ANALYZE the statistics the planner picks indexes by.
        await connection.execute("VACUUM ANALYZE")
        artifacts = await connection.fetchval("SELECT count(*) FROM artifacts")
        moments = await connection.fetchval("SELECT count(*) FROM moments")
        return int(artifacts), int(moments)
    finally:
        await connection.close()


def timed(client: httpx.Client, path: str, params: dict[str, object]) -> float:
    started = time.perf_counter()
    answer = client.get(path, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, answer.text
    return elapsed


def query_kinds(video: str) -> dict[str, tuple[str, list[dict[str, object]]]]:
    rare, common = WORDS[-1], WORDS[0]
    return {
        "text, speech and on-screen (common word)": ("/api/v1/search", [{"q": common}]),
        "text, speech (`news`, 10,000 hits)": ("/api/v1/search", [{"q": "news"}]),
        "text, two words (`news harbour`)": ("/api/v1/search", [{"q": "news harbour"}]),
        "text, a word and an exclusion (`news -alpha`)": ("/api/v1/search", [{"q": "news -alpha"}]),
        'phrase (`"delta foxtrot"`)': ("/api/v1/search", [{"q": '"delta foxtrot"'}]),
        "text, one language (`news`, lang=fr)": ("/api/v1/search", [{"q": "news", "lang": "fr"}]),
        "text, misspelt in speech and on screen (`harbuor`)": ("/api/v1/search", [{"q": "harbuor"}]),
        "text, rare word": ("/api/v1/search", [{"q": rare}]),
        "text, fuzzy on-screen (misspelt)": ("/api/v1/search", [{"q": "bravvo", "types": "ocr"}]),
        "label (object)": ("/api/v1/search", [{"label": "dog", "types": "object"}]),
        "co-occurrence (text near object:dog, 20 s)": (
            "/api/v1/search",
            [{"q": "harbour", "near": "object:dog", "within_ms": 20000}],
        ),
        "next across the library": ("/api/v1/search/next", [{"q": "market", "video_id": video, "at_ms": 0}]),
        "labels (facet)": ("/api/v1/labels", [{"type": "object"}]),
    }


def search_rows(api: str) -> list[dict[str, object]]:
    rows = []
    video = "00000000-0000-0000-0000-000000000000"
    with httpx.Client(base_url=api, headers=AUTH, timeout=60) as client:
        video = client.get("/api/v1/videos", params={"limit": 1}).json()["items"][0]["id"]
        for name, (path, variants) in query_kinds(video).items():
            params = variants[0]
            for _ in range(5):
                timed(client, path, params)  # warm the caches the way a live system is
            samples = [timed(client, path, params) for _ in range(REQUESTS)]
            answer = client.get(path, params=params).json()
            estimated = "~" if answer.get("total_is_estimate") else ""
            rows.append(
                {
                    "query": name,
                    "p50 ms": f"{statistics.median(samples):.1f}",
                    "p99 ms": f"{percentile(samples, 99):.1f}",
                    "hits": f"{estimated}{answer.get('total', '')}",
                }
            )
    return rows


def concurrent_rows(api: str) -> list[dict[str, object]]:
    """CLIENTS clients at once, each sending the ranked text queries in turn, REQUESTS in all per
    query kind: the latency each request saw, and the requests answered per second."""
    kinds = [
        ("text, speech (`news`, 10,000 hits)", {"q": "news"}),
        ("text, speech and on-screen (common word)", {"q": WORDS[0]}),
        ("text, misspelt in speech and on screen (`harbuor`)", {"q": "harbuor"}),
    ]
    rows = []
    for name, params in kinds:

        def client_run(_: int, params: dict[str, object] = params) -> list[float]:
            with httpx.Client(base_url=api, headers=AUTH, timeout=60) as client:
                timed(client, "/api/v1/search", params)
                return [timed(client, "/api/v1/search", params) for _ in range(max(1, REQUESTS // CLIENTS))]

        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            samples = [s for run in pool.map(client_run, range(CLIENTS)) for s in run]
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "query": f"{name}, {CLIENTS} clients",
                "p50 ms": f"{statistics.median(samples):.1f}",
                "p99 ms": f"{percentile(samples, 99):.1f}",
                "requests/s": f"{len(samples) / elapsed:.0f}",
            }
        )
    return rows


def make_1080p(path: Path, seconds: int = 20, fps: int = 25, gop_s: int = 2) -> None:
    """A 1080p H.264 clip like footage: a gradient that drifts, shapes that move, a keyframe every
    `gop_s` seconds (streaming and most cameras use 1 to 2 s)."""
    height, width = 1080, 1920
    ys, xs = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23", "g": str(gop_s * fps)}
        for index in range(seconds * fps):
            image = np.empty((height, width, 3), np.uint8)
            image[..., 0] = (xs // 8 + index) % 256
            image[..., 1] = (ys // 5 + 2 * index) % 256
            image[..., 2] = ((xs + ys) // 12) % 256
            for k in range(6):
                x, y = (200 + 37 * index * (k + 1)) % (width - 200), 100 + 150 * k
                image[y : y + 120, x : x + 200] = (255 - 30 * k, 40 * k, 128)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


async def thumbnail_rows(folder: Path) -> list[dict[str, object]]:
    clip = folder / "1080p.mp4"
    make_1080p(clip)
    grabber = CachedFrameGrabber(folder / "thumbs", 64 * 1024 * 1024)
    rng = np.random.default_rng(7)
    rows = []
    for name, times in (
        ("cold, a random time", [int(t) for t in rng.integers(0, 20_000, 40)]),
        ("cold, the last frame of a 2 s GOP (worst case)", [2000 * k + 1960 for k in range(9)]),
    ):
        cold, warm = [], []
        for n, t_ms in enumerate(times):
            started = time.perf_counter()
            await grabber.jpeg(str(clip), f"{name}-{n}", t_ms, 320)
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await grabber.jpeg(str(clip), f"{name}-{n}", t_ms, 320)
            warm.append((time.perf_counter() - started) * 1000)
        rows.append(
            {
                "thumbnail": name,
                "cold p50 ms": f"{statistics.median(cold):.1f}",
                "cold p99 ms": f"{percentile(cold, 99):.1f}",
                "warm p50 ms": f"{statistics.median(warm):.2f}",
                "warm p99 ms": f"{percentile(warm, 99):.2f}",
            }
        )
    return rows


def building_rows() -> list[dict[str, object]]:
    payloads = [
        {
            "text": WORDS[(k // 5) % len(WORDS)].upper(),
            "confidence": 0.9,
            "timestamp_ms": k * 1000,
            "frame_index": k * 25,
        }
        for k in range(10_000)
    ]
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        moments = frame_moments(ArtifactType.OCR_TEXT, payloads, interval_ms=1000, run_id="bench")
        samples.append((time.perf_counter() - started) * 1000)
    return [{"moments from 10,000 OCR reads": f"{statistics.median(samples):.1f} ms", "moments": len(moments)}]


def main() -> None:
    bench_arguments(__doc__, "bench_search")
    with bench_stores() as (database_url, valkey_url), tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        artifacts, moments = asyncio.run(seed(database_url))
        seeded_s = time.perf_counter() - started
        with api_process(database_url, valkey_url, Path(tmp)) as api:
            rows = search_rows(api)
            together = concurrent_rows(api)
        thumbs = asyncio.run(thumbnail_rows(Path(tmp)))
    meta = {"artifacts": artifacts, "moments": moments, "seeded in s": round(seeded_s, 1), "cpus": os.cpu_count()}
    report("search", rows, {**meta, "requests per query": REQUESTS})
    report("search_concurrent", together, {**meta, "clients": CLIENTS, "requests per query": REQUESTS})
    report("thumbnails", thumbs, {"clip": "20 s of 1920x1080 H.264 at 25 fps, a keyframe every 2 s", "width": 320})
    report("moment_building", building_rows(), {})


if __name__ == "__main__":
    main()
