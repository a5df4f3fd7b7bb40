"""file lifecycle (missing files, moves, shared content): video_files, videos.missing_since

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "video_files",
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("video_id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("root", "path", name="pk_video_files"),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], name="fk_video_files_video_id_videos", ondelete="CASCADE"),
    )
    op.create_index("ix_video_files_video_id", "video_files", ["video_id"])
    # Every existing video has one file: its own row's. Duplicated content found before stays as
    # separate videos (their results are kept); new copies join the oldest.
    op.execute(
        "INSERT INTO video_files (root, path, video_id, size, mtime) SELECT root, path, id, size, mtime FROM videos"
    )
    op.add_column("videos", sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True))
    # The path of a video is its primary location, unique in video_files; a MISSING video that lost
    # its last file keeps the path it had, which another video may hold by then.
    op.drop_constraint("uq_videos_root_path", "videos", type_="unique")
    op.create_index("ix_videos_root_path", "videos", ["root", "path"])
    op.create_index("ix_videos_content_hash", "videos", ["content_hash"])


def downgrade() -> None:
    # Before this revision a video was one file: videos that hold no file of their own where
    # another video is give way (their results with them); MISSING was not a status yet.
    op.execute(
        """
DELETE FROM videos AS v
 WHERE NOT EXISTS (SELECT 1 FROM video_files AS f WHERE f.video_id = v.id AND f.root = v.root AND f.path = v.path)
   AND EXISTS (SELECT 1 FROM videos AS w WHERE w.id <> v.id AND w.root = v.root AND w.path = v.path)
"""
    )
    op.execute("UPDATE videos SET status = 'ready' WHERE status = 'missing'")
    op.drop_index("ix_videos_content_hash", table_name="videos")
    op.drop_index("ix_videos_root_path", table_name="videos")
    op.create_unique_constraint("uq_videos_root_path", "videos", ["root", "path"])
    op.drop_column("videos", "missing_since")
    op.drop_index("ix_video_files_video_id", table_name="video_files")
    op.drop_table("video_files")
