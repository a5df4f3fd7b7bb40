from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from framewise.application.results import BulkReport, RunSummary
from framewise.application.use_cases.task_reindexer import ReindexReport, Verdict
from framewise.domain.routing import TaskType
from framewise.domain.task import TaskStatus

MAX_ITEMS = 1000  # a report lists at most this many tasks; the counts cover them all


class VideoReindexIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_types: list[TaskType] = Field(default_factory=list, description="the analyses to consider; empty: all six")
    only_stale: bool = Field(
        True,
        description="re-run only tasks whose model (weights, version, profile) or effective settings differ from "
        "their finished run; false: every finished, failed or cancelled task selected",
    )
    settings: dict[str, dict[str, JsonValue]] = Field(
        default_factory=dict,
        description="this request's own settings per analysis, the strongest layer; the tasks keep them",
        examples=[{"transcription": {"language": "fr"}}],
    )
    dry_run: bool = Field(False, description="say what would be re-run, change nothing")


class ReindexIn(VideoReindexIn):
    video_id: UUID | None = Field(None, description="only this video's tasks")
    folder: str | None = Field(
        None,
        min_length=1,
        max_length=4096,
        description="only videos under this media root or folder (absolute, or relative to the first root)",
        examples=["lectures"],
    )
    all: bool = Field(
        False,
        description="with only_stale false and no filter (video_id, folder, task_types), re-run every task of "
        "the library: without it, that is a 422",
    )


class ReindexItemOut(BaseModel):
    task_id: UUID
    video_id: UUID
    task_type: TaskType
    status: TaskStatus = Field(description="its status when judged")
    verdict: Verdict = Field(
        description="queued (re-run; with dry_run: would be), current (nothing changed), unfinished (no finished "
        "run: use retry, or only_stale=false), busy (PENDING or RUNNING: left alone)"
    )
    reasons: list[str] = Field(examples=[["other weights", "other settings"]])
    config: dict[str, JsonValue]


class ReindexOut(BaseModel):
    matched: int = Field(description="tasks the filters selected")
    queued: int = Field(description="tasks re-run (with dry_run: that would be)")
    dry_run: bool
    counts: dict[Verdict, int]
    items: list[ReindexItemOut] = Field(description=f"the first {MAX_ITEMS} tasks judged")

    @classmethod
    def of(cls, report: ReindexReport) -> Self:
        return cls(
            matched=report.matched,
            queued=report.queued,
            dry_run=report.dry_run,
            counts={verdict: report.count(verdict) for verdict in Verdict},
            items=[
                ReindexItemOut(
                    task_id=i.task_id,
                    video_id=i.video_id,
                    task_type=i.task_type,
                    status=i.status,
                    verdict=i.verdict,
                    reasons=i.reasons,
                    config=i.config,
                )
                for i in report.items[:MAX_ITEMS]
            ],
        )


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[TaskStatus] = Field(default_factory=list, description="only tasks in these statuses; empty: any")
    task_type: list[TaskType] = Field(default_factory=list, description="only these analyses; empty: all")
    video_id: UUID | None = Field(None, description="only this video's tasks")
    all: bool = Field(
        False, description="with no filter, act on every task of the library: without it, no filter is a 422"
    )


class BulkOut(BaseModel):
    matched: int = Field(description="tasks the filters selected")
    changed: int = Field(description="tasks retried (or cancelled)")
    task_ids: list[UUID] = Field(description="the tasks changed")
    left: dict[str, int] = Field(
        description="tasks selected but not in a status the action applies to, by status", examples=[{"COMPLETED": 4}]
    )

    @classmethod
    def of(cls, report: BulkReport) -> Self:
        return cls(matched=report.matched, changed=report.changed, task_ids=list(report.task_ids), left=report.left)


class RunOut(BaseModel):
    run_id: str
    state: str = Field(
        description="current (what readers see), next (a re-index being built, hidden until it completes), "
        "superseded (replaced by a newer run; its artifacts are gone)"
    )
    producer: str
    producer_version: str
    model_profile: str
    config_hash: str
    input_hash: str
    device: str
    weights: str
    created_at: datetime | None
    completed_at: datetime | None
    superseded_at: datetime | None
    artifacts: int = Field(description="artifacts it holds now")

    @classmethod
    def of(cls, run: RunSummary) -> Self:
        return cls(
            **run.provenance.model_dump(),
            state=run.state,
            created_at=run.created_at,
            completed_at=run.completed_at,
            superseded_at=run.superseded_at,
            artifacts=run.artifacts,
        )


class RunsOut(BaseModel):
    items: list[RunOut]
