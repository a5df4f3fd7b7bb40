"""Queue depth and the age of the oldest job per queue, read from Valkey at scrape time."""

import time
from collections.abc import Iterator

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from framewise.domain.routing import QueueName


class QueueCollector(Collector):
    """Reads each queue's sorted set when Prometheus scrapes, so the figures are never stale. A
    queued job's score is when it may run (enqueue time, or the retry time for a deferred one);
    the oldest runnable job's age is now minus the lowest score that is not in the future."""

    def __init__(self, valkey_url: str) -> None:
        url = "redis://" + valkey_url.removeprefix("valkey://") if valkey_url.startswith("valkey://") else valkey_url
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("framewise_queue_depth", "Jobs waiting on each queue", labels=["queue"])
        ready = GaugeMetricFamily(
            "framewise_queue_ready_jobs", "Jobs on each queue that may run now (not deferred)", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "framewise_queue_oldest_job_age_seconds", "Age of the oldest runnable job per queue", labels=["queue"]
        )
        now_ms = time.time() * 1000
        try:
            for queue in QueueName:
                with self._redis.pipeline(transaction=False) as pipe:
                    pipe.zcard(queue.value)
                    pipe.zcount(queue.value, "-inf", now_ms)
                    pipe.zrange(queue.value, 0, 0, withscores=True)
                    count, runnable, oldest = pipe.execute()
                depth.add_metric([queue.value], count)
                ready.add_metric([queue.value], runnable)
                score = oldest[0][1] if oldest else None
                age.add_metric([queue.value], max(0.0, (now_ms - score) / 1000) if score and score <= now_ms else 0.0)
        except redis.RedisError:
            return  # Valkey down: no queue figures this scrape (readyz says why)
        yield depth
        yield ready
        yield age

    def close(self) -> None:
        self._redis.close()
