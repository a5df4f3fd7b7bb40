"""Find the moment: search p50/p99 per query kind over 1,000,000 artifacts and 100,000 moments, the
cost of a thumbnail (cold and warm) of a 1080p H.264 frame, and the cost of building moments.

The library is generated in SQL (generate_series): 2,000 videos, each with 500 artifacts and 50
moments (speech, on-screen text, objects, places) drawn from a vocabulary, so that common and rare
words both occur. The real API process answers over HTTP, one request at a time, so each figure is
a whole request: auth, validation, two SQL statements (page and total), signing, JSON.
"""

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
import av
import httpx
import numpy as np

from bench._common import AUTH, api_process, bench_stores, percentile, report
from framewise.domain.moments import frame_moments
from framewise.domain.payloads import ArtifactType
from framewise.infrastructure.media.thumbnails import CachedFrameGrabber

VIDEOS = int(os.environ.get("BENCH_SEARCH_VIDEOS", "2000"))  # x 500 artifacts, x 50 moments
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
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
SELECT md5('t' || v || t)::uuid, md5('v' || v)::uuid, (ARRAY['transcription','ocr','object_detection',
       'place_detection'])[t], 'COMPLETED', 'gpu_jobs', 1, '{}'::jsonb, 'c', 1, 'bench', now()
FROM generate_series(1, $1) AS v, generate_series(1, 4) AS t;

INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, config_hash, input_hash, device,
                  weights)
SELECT md5('r' || v || t), md5('t' || v || t)::uuid, 'bench', '1', 'default', 'c', 'fw1:' || md5('h' || v),
       'cpu', 'real'
FROM generate_series(1, $1) AS v, generate_series(1, 4) AS t;

INSERT INTO artifacts (id, video_id, task_id, attempt, artifact_type, schema_version, span_start_ms,
                       span_end_ms, payload, run_id, created_at)
SELECT md5('a' || v || k)::uuid, md5('v' || v)::uuid, md5('t' || v || (1 + k % 4))::uuid, 1,
       (ARRAY['transcript_segment','ocr_text','object','place'])[1 + k % 4], 1, k * 1000, k * 1000,
       jsonb_build_object('text', 'w' || k, 'confidence', 0.8, 'timestamp_ms', k * 1000, 'frame_index', k * 25),
       md5('r' || v || (1 + k % 4)), now()
FROM generate_series(1, $1) AS v, generate_series(0, 499) AS k;

INSERT INTO moments (video_id, task_id, run_id, moment_type, label, search_text, start_ms, end_ms,
                     confidence, best_ms, count)
SELECT md5('v' || v)::uuid, md5('t' || v || (1 + k % 4))::uuid, md5('r' || v || (1 + k % 4)),
       (ARRAY['transcript','ocr','object','place'])[1 + k % 4], m.label, lower(m.label),
       k * 10000, k * 10000 + 4000, 0.3 + (v * 7 + k * 13) % 70 / 100.0, k * 10000 + 1000, 4
FROM generate_series(1, $1) AS v, generate_series(0, 49) AS k,
     LATERAL (SELECT CASE 1 + k % 4
        WHEN 1 THEN ($2::text[])[1 + (v * 3 + k) % cardinality($2::text[])]
                    || ' ' || ($2::text[])[1 + (v * 5 + k * 7) % cardinality($2::text[])]
                    || ' ' || ($2::text[])[1 + (v + k * 11) % cardinality($2::text[])]
        WHEN 2 THEN upper(($2::text[])[1 + (v * 7 + k) % cardinality($2::text[])])
                    || ' ' || upper(($2::text[])[1 + (v + k) % cardinality($2::text[])])
        WHEN 3 THEN ($3::text[])[1 + (v + k) % cardinality($3::text[])]
        ELSE ($4::text[])[1 + (v * 3 + k) % cardinality($4::text[])] END AS label) AS m;
ANALYZE;
"""


async def seed(database_url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET synchronous_commit = off")
        async with connection.transaction():
            statements = [s for s in SEED.split(";\n") if s.strip()]
            for statement in statements:
                if "$4" in statement:
                    await connection.execute(statement, VIDEOS, WORDS, LABELS, PLACES)
                elif "$1" in statement:
                    await connection.execute(statement, VIDEOS)
                else:
                    await connection.execute(statement)
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
            total = client.get(path, params=params).json().get("total", "")
            rows.append(
                {
                    "query": name,
                    "p50 ms": f"{statistics.median(samples):.1f}",
                    "p99 ms": f"{percentile(samples, 99):.1f}",
                    "hits": total,
                }
            )
    return rows


def make_1080p(path: Path, seconds: int = 10, fps: int = 25) -> None:
    """A 1080p H.264 clip with a keyframe every 5 s (a common GOP), moving content in every frame."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23", "g": str(5 * fps)}
        rng = np.random.default_rng(1)
        base = rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
        for index in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.roll(base, index * 8, axis=1), format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


async def thumbnail_rows(folder: Path) -> list[dict[str, object]]:
    clip = folder / "1080p.mp4"
    make_1080p(clip)
    grabber = CachedFrameGrabber(folder / "thumbs", 64 * 1024 * 1024)
    cold, warm = [], []
    for k in range(20):
        t_ms = 4800 if k % 2 else 9900  # the last frames of a GOP: the worst case, decoded from its keyframe
        t_ms -= k * 40
        started = time.perf_counter()
        await grabber.jpeg(str(clip), f"clip-{k}", t_ms, 320)
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await grabber.jpeg(str(clip), f"clip-{k}", t_ms, 320)
        warm.append((time.perf_counter() - started) * 1000)
    return [
        {
            "thumbnail": "cold (seek, decode to the frame, JPEG)",
            "p50 ms": f"{statistics.median(cold):.1f}",
            "p99 ms": f"{max(cold):.1f}",
        },
        {
            "thumbnail": "warm (from the disk cache)",
            "p50 ms": f"{statistics.median(warm):.2f}",
            "p99 ms": f"{max(warm):.2f}",
        },
    ]


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
    with bench_stores() as (database_url, valkey_url), tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        artifacts, moments = asyncio.run(seed(database_url))
        seeded_s = time.perf_counter() - started
        with api_process(database_url, valkey_url, Path(tmp)) as api:
            rows = search_rows(api)
        thumbs = asyncio.run(thumbnail_rows(Path(tmp)))
    meta = {"artifacts": artifacts, "moments": moments, "seeded in s": round(seeded_s, 1), "cpus": os.cpu_count()}
    report("search", rows, {**meta, "requests per query": REQUESTS})
    report("thumbnails", thumbs, {"clip": "1920x1080 H.264, keyframe every 5 s", "width": 320})
    report("moment_building", building_rows(), {})


if __name__ == "__main__":
    main()
