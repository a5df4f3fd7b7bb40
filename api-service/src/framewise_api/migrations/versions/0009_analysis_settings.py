"""analysis settings and re-index runs: analysis_settings (layers of per-analysis config),
tasks.overrides (a request's own layer), runs.state and times (a re-index run stays hidden until
it completes, then the run it replaces is superseded)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_settings",
        sa.Column("scope_key", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("root", sa.Text(), nullable=True),
        sa.Column("folder", sa.Text(), nullable=True),
        sa.Column("video_id", sa.Uuid(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=True),
        sa.Column("analyses", JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope_key", name="pk_analysis_settings"),
        sa.CheckConstraint("scope IN ('library','folder','video')", name="ck_analysis_settings_scope_known"),
    )
    op.add_column("tasks", sa.Column("overrides", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.add_column("runs", sa.Column("state", sa.String(16), nullable=False, server_default="current"))
    op.add_column("runs", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("runs", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("runs", sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint("state_known", "runs", "state IN ('current','next','superseded')")
    op.create_index("ix_runs_next", "runs", ["run_id"], postgresql_where=sa.text("state = 'next'"))
    # The runs of finished tasks are finished runs: a re-index keeps them visible until it completes.
    op.execute(
        "UPDATE runs SET completed_at = t.completed_at, created_at = t.started_at "
        "FROM tasks t WHERE t.id = runs.task_id AND t.status = 'COMPLETED'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM runs WHERE state <> 'current'")
    op.drop_index("ix_runs_next", "runs")
    op.drop_constraint("state_known", "runs", type_="check")
    for column in ("superseded_at", "completed_at", "created_at", "state"):
        op.drop_column("runs", column)
    op.drop_column("tasks", "overrides")
    op.drop_table("analysis_settings")
