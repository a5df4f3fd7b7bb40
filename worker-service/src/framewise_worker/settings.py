from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.windows import WindowSizes
from framewise.infrastructure.settings import CommaList, ServiceSettings, split_commas


class WorkerSettings(ServiceSettings):
    """Settings of a worker process (environment variables of the same name, upper case)."""

    database_url: Annotated[str, Field(min_length=1)]
    valkey_url: Annotated[str, Field(min_length=1)]
    ml_service_url: Annotated[str, Field(min_length=1)]
    media_roots: Annotated[CommaList, Field(min_length=1)]
    gpu_mode: Literal["gpu", "cpu", "auto"] = "auto"
    gpu_concurrency: Annotated[int, Field(ge=1, le=64)] = 2
    cpu_concurrency: Annotated[int, Field(ge=1, le=256)] = 2
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9100
    # The retry policy (framewise.domain.retry): what each bound counts is in its name; MAX_TRIES and
    # MAX_ATTEMPTS are the old names of TRIES_PER_ATTEMPT and ATTEMPTS_PER_TASK, still read.
    ml_calls_per_try: Annotated[int, Field(ge=1, le=20)] = 3
    ml_call_backoff_s: Annotated[float, Field(gt=0)] = 0.5
    ml_call_backoff_max_s: Annotated[float, Field(gt=0)] = 10.0
    tries_per_attempt: Annotated[
        int, Field(ge=1, le=100, validation_alias=AliasChoices("tries_per_attempt", "max_tries"))
    ] = 5
    job_timeout_s: Annotated[int, Field(ge=10)] = 3600
    retry_backoff_s: Annotated[float, Field(gt=0)] = 2.0
    retry_backoff_max_s: Annotated[float, Field(gt=0)] = 120.0
    # A task whose model is unavailable is asked about again after as long as it has waited so far:
    # from UNAVAILABLE_RECHECK_S, doubling, up to UNAVAILABLE_RECHECK_MAX_S.
    unavailable_recheck_s: Annotated[float, Field(gt=0)] = 30.0
    unavailable_recheck_max_s: Annotated[float, Field(gt=0)] = 600.0
    ml_request_timeout_s: Annotated[float, Field(gt=0)] = 1800.0
    ml_token: str | None = None
    # Each analysis of a video runs in windows of this much media time, one ML call and one
    # checkpoint each; ANALYSIS_WINDOWS overrides it per analysis ("ocr=120,transcription=600").
    analysis_window_s: Annotated[float, Field(ge=1, le=86_400)] = 300.0
    analysis_windows: CommaList = []
    heartbeat_s: Annotated[float, Field(gt=0)] = 10.0
    lease_s: Annotated[float, Field(gt=0)] = 45.0
    attempts_per_task: Annotated[
        int, Field(ge=1, le=100, validation_alias=AliasChoices("attempts_per_task", "max_attempts"))
    ] = 3
    stuck_after_s: Annotated[float, Field(gt=0)] = 7200.0
    lease_check_every_s: Annotated[int, Field(ge=1, le=60)] = 15
    reconcile_every_min: Annotated[int, Field(ge=1, le=60)] = 5
    shutdown_grace_s: Annotated[int, Field(ge=0, le=3600)] = 30
    poll_delay_s: Annotated[float, Field(gt=0, le=5)] = 0.05

    @model_validator(mode="after")
    def _lease_outlives_heartbeats(self) -> "WorkerSettings":
        if self.lease_s <= 2 * self.heartbeat_s:
            raise ValueError("LEASE_S must be more than twice HEARTBEAT_S, or live tasks look dead")
        if 60 % self.lease_check_every_s or 60 % self.reconcile_every_min:
            raise ValueError("LEASE_CHECK_EVERY_S and RECONCILE_EVERY_MIN must divide 60")
        self.retry_policy()  # a backoff above its maximum is refused at start-up
        if self.unavailable_recheck_s > self.unavailable_recheck_max_s:
            raise ValueError("UNAVAILABLE_RECHECK_S must not exceed UNAVAILABLE_RECHECK_MAX_S")
        return self

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            calls_per_try=self.ml_calls_per_try,
            call_backoff_s=self.ml_call_backoff_s,
            call_backoff_max_s=self.ml_call_backoff_max_s,
            tries_per_attempt=self.tries_per_attempt,
            try_backoff_s=self.retry_backoff_s,
            try_backoff_max_s=self.retry_backoff_max_s,
            attempts_per_task=self.attempts_per_task,
        )

    _split = field_validator("media_roots", "analysis_windows", mode="before")(split_commas)

    @field_validator("analysis_windows")
    @classmethod
    def _known_analyses(cls, value: list[str]) -> list[str]:
        for entry in value:
            name, _, seconds = entry.partition("=")
            if name.strip() not in set(TaskType):
                raise ValueError(f"{name.strip()!r} is not an analysis: one of {', '.join(TaskType)}")
            try:
                ok = 1 <= float(seconds) <= 86_400
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{entry!r}: the window must be 1 to 86400 seconds, as <analysis>=<seconds>")
        return value

    def window_sizes(self) -> WindowSizes:
        overrides = {n.strip(): round(float(s) * 1000) for n, _, s in (e.partition("=") for e in self.analysis_windows)}
        return WindowSizes(round(self.analysis_window_s * 1000), overrides)
