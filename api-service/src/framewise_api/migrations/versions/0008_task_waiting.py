"""honest waiting (why a task waits)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A PENDING task that cannot start yet (its model unavailable) says why, and since when.
    op.add_column("tasks", sa.Column("waiting_reason", sa.Text(), nullable=True))
    op.add_column("tasks", sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tasks", "waiting_since")
    op.drop_column("tasks", "waiting_reason")
