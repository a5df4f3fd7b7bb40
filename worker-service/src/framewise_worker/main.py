"""A worker process: consumes the queue of its pool and runs `run_task` for each job (and, on the CPU
queue, `regroup_persons` when asked)."""

import argparse
import asyncio
import time
from contextlib import suppress
from typing import Any

import structlog
from arq import Worker
from arq.worker import func
from prometheus_client import start_http_server
from redis.exceptions import RedisError

from framewise.contracts.jobs import REGROUP_PERSONS, RUN_TASK
from framewise.domain.routing import QUEUE_OF_CLASS, DeviceClass
from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.queue.arq_job_queue import redis_settings
from framewise.infrastructure.queue.serialization import deserialize, serialize
from framewise.infrastructure.settings import load_settings
from framewise_worker.container import WorkerContainer
from framewise_worker.gpu import device_class
from framewise_worker.job import run_task
from framewise_worker.reconciler_clock import run_reconciler_clock
from framewise_worker.regroup_job import REGROUP_MAX_TRIES, regroup_persons
from framewise_worker.settings import WorkerSettings

log = structlog.get_logger("framewise.worker")

# arq's own try counter is no bound: the retry policy (framewise.domain.retry) and the task row are.
ARQ_MAX_TRIES = 1_000_000
VALKEY_RETRY_S = 2.0


def build_worker(settings: WorkerSettings) -> Worker:
    pool = device_class(settings.gpu_mode)
    queue = QUEUE_OF_CLASS[pool]
    concurrency = settings.gpu_concurrency if pool is DeviceClass.GPU else settings.cpu_concurrency

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["container"] = await WorkerContainer.open(settings)
        ctx["reconciler_clock"] = asyncio.create_task(
            run_reconciler_clock(
                ctx, every_s=settings.lease_check_every_s, full_every_s=settings.reconcile_every_min * 60
            )
        )
        log.info(
            "service_started",
            pool=pool.value,
            queue=queue.value,
            concurrency=concurrency,
            ml_service_url=settings.ml_service_url,
            tries_per_attempt=settings.tries_per_attempt,
            attempts_per_task=settings.attempts_per_task,
            ml_calls_per_attempt=settings.retry_policy().calls_per_attempt,
            lease_s=settings.lease_s,
            heartbeat_s=settings.heartbeat_s,
            shutdown_grace_s=settings.shutdown_grace_s,
            metrics_port=settings.worker_metrics_port,
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "reconciler_clock" in ctx:
            ctx["reconciler_clock"].cancel()
            with suppress(asyncio.CancelledError):
                await ctx["reconciler_clock"]
        if "container" in ctx:
            await ctx["container"].close()
        log.info("service_stopped", pool=pool.value)

    return Worker(
        functions=[
            func(run_task, name=RUN_TASK, timeout=settings.job_timeout_s, max_tries=ARQ_MAX_TRIES),
            # keep_result=0: the id is free again once it ends (its outcome is in Valkey's status hash)
            func(
                regroup_persons,
                name=REGROUP_PERSONS,
                timeout=settings.job_timeout_s,
                max_tries=REGROUP_MAX_TRIES,
                keep_result=0,
            ),
        ],
        queue_name=queue.value,
        redis_settings=redis_settings(settings.valkey_url),
        max_jobs=concurrency,
        poll_delay=settings.poll_delay_s,  # arq's 0.5 s default alone puts ~450 ms on a job's p99 wait
        job_timeout=settings.job_timeout_s,
        max_tries=ARQ_MAX_TRIES,
        keep_result=60,  # results of record live in PostgreSQL; arq's keys stay short-lived
        job_serializer=serialize,
        job_deserializer=deserialize,
        on_startup=startup,
        on_shutdown=shutdown,
        allow_abort_jobs=True,
        handle_signals=True,
        # SIGTERM: stop taking jobs, let running ones finish for this long, then cancel them; arq puts a
        # cancelled job back on the queue and another worker resumes the same attempt.
        job_completion_wait=settings.shutdown_grace_s,
    )


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="framewise-worker",
        allow_abbrev=False,
        description="Run one worker: it joins the GPU or CPU pool (GPU_MODE), consumes that queue and runs "
        "each task's analysis through the ML service. Configured by environment variables (DATABASE_URL, "
        "VALKEY_URL, ML_SERVICE_URL, MEDIA_ROOTS, ...; see the README's settings table).",
    ).parse_args(argv)
    settings = load_settings(WorkerSettings)
    configure_logging("worker", settings.log_format, settings.log_level)
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    while True:
        try:
            build_worker(settings).run()
            return  # a signal stopped it
        except (RedisError, OSError) as exc:
            # arq's poll loop gives up when Valkey drops; a worker rides over a restart instead of
            # exiting (and taking `make run` down with it). Its jobs are safe: arq re-runs what was
            # in progress, and the reconciler re-queues what Valkey lost.
            log.warning("valkey_unreachable", error=f"{type(exc).__name__}: {exc}", restart_in_s=VALKEY_RETRY_S)
            time.sleep(VALKEY_RETRY_S)


if __name__ == "__main__":
    main()
