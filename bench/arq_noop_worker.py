"""Bare arq for the orchestration bench: a worker whose one job does nothing.

Same job signature, JSON serializer, queue, `max_jobs` and poll delay as a Framewise worker; no
database, no HTTP, no abort checks, arq's own logging at INFO (one line per job start and end, as
the Framewise worker also logs). Results are kept an hour, so the bench reads arq's enqueue and
finish times from them.

    VALKEY_URL=redis://... python -m bench.arq_noop_worker --queue bench_jobs --max-jobs 8
"""

import argparse
import logging
import os
import sys
from typing import Any

from arq import Worker
from arq.worker import func

from framewise.infrastructure.queue.arq_job_queue import redis_settings
from framewise.infrastructure.queue.serialization import deserialize, serialize


async def run_task(
    ctx: dict[str, Any], task_id: str, attempt: int, correlation_id: str, task_type: str | None = None
) -> str:
    return "COMPLETED"


async def started(ctx: dict[str, Any]) -> None:
    print("noop_worker_started", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="bench_jobs")
    parser.add_argument("--max-jobs", type=int, default=8)
    parser.add_argument("--poll-delay", type=float, default=0.5)
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    Worker(
        functions=[func(run_task, name="run_task")],
        queue_name=args.queue,
        redis_settings=redis_settings(os.environ["VALKEY_URL"]),
        max_jobs=args.max_jobs,
        poll_delay=args.poll_delay,
        keep_result=3600,
        job_serializer=serialize,
        job_deserializer=deserialize,
        on_startup=started,
        handle_signals=True,
    ).run()


if __name__ == "__main__":
    main()
