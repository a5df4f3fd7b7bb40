"""Worker metrics, served on a metrics-only port."""

from prometheus_client import Counter, Gauge, Histogram

TASK_OUTCOMES = Counter(
    "framewise_worker_job_outcomes_total", "Job outcomes by task type and kind", ["task_type", "outcome"]
)
TASK_DURATION = Histogram(
    "framewise_worker_task_duration_seconds",
    "Duration of task attempts by task type and outcome (completed or failed)",
    ["task_type", "outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
RECONCILER_ACTIONS = Counter(
    "framewise_reconciler_actions_total",
    "Reconciler actions (enqueued, requeued, reclaimed, failed_lost, stuck)",
    ["action"],
)
WINDOWS_COMMITTED = Counter(
    "framewise_worker_windows_committed_total", "Windows of media time committed, by task type", ["task_type"]
)
TASK_PROGRESS = Gauge(
    "framewise_worker_task_progress_ratio",
    "Committed media time over duration of the tasks this worker is running windows of",
    ["task_id", "task_type"],
)
TASK_ETA = Gauge(
    "framewise_worker_task_eta_seconds",
    "Time the rest of a running task takes at the throughput its windows measured",
    ["task_id", "task_type"],
)
