"""indexes for listing videos by discovery time, optionally by status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_videos_discovered_at", "videos", ["discovered_at"])
    op.create_index("ix_videos_status_discovered_at", "videos", ["status", "discovered_at"])


def downgrade() -> None:
    op.drop_index("ix_videos_status_discovered_at", table_name="videos")
    op.drop_index("ix_videos_discovered_at", table_name="videos")
