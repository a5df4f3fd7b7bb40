"""Per-model metrics of the ML service."""

from collections.abc import Iterator

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

ML_REQUESTS = Counter("framewise_ml_requests_total", "Inference requests by model and outcome", ["model", "outcome"])
ML_FAILURES = Counter("framewise_ml_failures_total", "Inference failures by model and reason", ["model", "reason"])
ML_FRAMES = Counter(
    "framewise_ml_frames_total",
    "Sampled frames by model: analysed, or reused (unchanged since the last one analysed)",
    ["model", "outcome"],
)
ML_QUEUE_WAIT = Histogram(
    "framewise_ml_queue_wait_seconds",
    "Time an inference waited for a GPU slot",
    ["model"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
ML_COMPUTE = Histogram(
    "framewise_ml_compute_seconds",
    "Time an inference computed (decode + model)",
    ["model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
GATE_RUNNING = Gauge("framewise_ml_gate_running", "Inferences holding a GPU slot")
GATE_WAITING = Gauge("framewise_ml_gate_waiting", "Inferences waiting for a GPU slot")


class GpuCollector(Collector):
    """GPU memory and utilisation at scrape time; declared but empty on a CPU-only host."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        memory = GaugeMetricFamily("framewise_ml_gpu_memory_bytes", "GPU memory by kind", labels=["device", "kind"])
        utilisation = GaugeMetricFamily(
            "framewise_ml_gpu_utilization_ratio", "GPU busy share over the last sample period", labels=["device"]
        )
        try:
            import torch

            devices = range(torch.cuda.device_count()) if torch.cuda.is_available() else range(0)
            for index in devices:
                device = str(index)
                memory.add_metric([device, "allocated"], float(torch.cuda.memory_allocated(index)))
                memory.add_metric([device, "reserved"], float(torch.cuda.memory_reserved(index)))
                memory.add_metric([device, "total"], float(torch.cuda.get_device_properties(index).total_memory))
                utilisation.add_metric([device], torch.cuda.utilization(index) / 100)  # needs NVML (pynvml)
        except Exception:  # noqa: BLE001 - no torch, no NVML: the families stay empty, never break a scrape
            pass
        yield memory  # on a CPU-only host both families are declared with no samples
        yield utilisation


REGISTRY.register(GpuCollector())
