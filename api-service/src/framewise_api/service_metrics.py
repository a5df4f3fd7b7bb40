"""The local services' restarts and states, read from the supervisor's state file at scrape time."""

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from framewise.infrastructure.local_services import JsonFileLocalServices

STATES = ("running", "restarting", "down", "stopped")


class LocalServiceCollector(Collector):
    """`make run`'s view of each service it supervises: how often it was restarted, and its state
    (one gauge per state, 1 for the current one). Nothing when no supervisor runs the API."""

    def __init__(self, services: JsonFileLocalServices) -> None:
        self._services = services

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        services = self._services.read()
        if not services:
            return
        restarts = CounterMetricFamily(
            "framewise_service_restarts",
            "Restarts of each local service by `make run` after it exited on its own",
            labels=["service"],
        )
        state = GaugeMetricFamily(
            "framewise_service_state", "State of each local service under `make run`", labels=["service", "state"]
        )
        for service in services:
            restarts.add_metric([service.name], service.restarts)
            for name in STATES:
                state.add_metric([service.name, name], 1.0 if service.state == name else 0.0)
        yield restarts
        yield state
