"""videos, tasks and artifacts

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "videos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Double(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("duration_ms", sa.BigInteger()),
        sa.Column("fps", sa.Double()),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("has_audio", sa.Boolean()),
        sa.Column("discovered_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_videos"),
        sa.UniqueConstraint("root", "path", name="uq_videos_root_path"),
        sa.CheckConstraint("size >= 0", name="ck_videos_size_non_negative"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.Uuid(), nullable=False),
        sa.Column("task_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("transient_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("job_id", sa.Text()),
        sa.Column("config", postgresql.JSONB(), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("progress", sa.REAL(), server_default="0", nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("error_kind", sa.String(32)),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("enqueued_at", TS),
        sa.Column("started_at", TS),
        sa.Column("heartbeat_at", TS),
        sa.Column("completed_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], name="fk_tasks_video_id_videos", ondelete="CASCADE"),
        sa.UniqueConstraint("video_id", "task_type", "config_hash", name="uq_tasks_video_id_task_type_config_hash"),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="ck_tasks_progress_range"),
        sa.CheckConstraint(
            "status IN ('PENDING','RUNNING','COMPLETED','FAILED','CANCELLED')", name="ck_tasks_status_known"
        ),
    )
    op.create_index("ix_tasks_status_created_at", "tasks", ["status", "created_at"])
    op.create_index("ix_tasks_task_type_created_at", "tasks", ["task_type", "created_at"])
    op.create_index("ix_tasks_created_at", "tasks", ["created_at"])
    op.create_index("ix_tasks_started_at", "tasks", ["started_at"])
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("artifact_type", sa.String(32), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("span_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("span_end_ms", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("producer", sa.Text(), nullable=False),
        sa.Column("producer_version", sa.Text(), nullable=False),
        sa.Column("model_profile", sa.Text(), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("weights", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artifacts"),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], name="fk_artifacts_video_id_videos", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_artifacts_task_id_tasks", ondelete="CASCADE"),
        sa.CheckConstraint("span_end_ms >= span_start_ms", name="ck_artifacts_span_ordered"),
    )
    op.create_index(
        "ix_artifacts_video_id_artifact_type_span_start_ms",
        "artifacts",
        ["video_id", "artifact_type", "span_start_ms"],
    )
    op.create_index("ix_artifacts_task_id", "artifacts", ["task_id"])
    op.create_index("ix_artifacts_run_id", "artifacts", ["run_id"])


def downgrade() -> None:
    op.drop_table("artifacts")
    op.drop_table("tasks")
    op.drop_table("videos")
