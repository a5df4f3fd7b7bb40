"""task_windows: the committed windows of each task's run (checkpoints), tasks.eta_s

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_windows",
        sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("window_index", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("compute_ms", sa.Float(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "window_index"),
        sa.CheckConstraint("window_index >= 0", name="window_index_non_negative"),
    )
    op.create_index("ix_task_windows_run_id", "task_windows", ["run_id"])
    op.add_column("tasks", sa.Column("eta_s", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("tasks", "eta_s")
    op.drop_index("ix_task_windows_run_id", table_name="task_windows")
    op.drop_table("task_windows")
