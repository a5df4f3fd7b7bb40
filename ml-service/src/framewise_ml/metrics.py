"""Per-model metrics of the ML service (SPEC S6.4)."""

from prometheus_client import Counter, Gauge, Histogram

ML_REQUESTS = Counter("framewise_ml_requests_total", "Inference requests by model and outcome", ["model", "outcome"])
ML_FAILURES = Counter("framewise_ml_failures_total", "Inference failures by model and reason", ["model", "reason"])
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
