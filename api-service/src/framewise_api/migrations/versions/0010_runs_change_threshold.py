"""runs.change_threshold: how much a sampled frame may change and still reuse the last answer
(null for the analyses that read every frame, and for runs made before frames were skipped)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("change_threshold", sa.Double(), nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "change_threshold")
