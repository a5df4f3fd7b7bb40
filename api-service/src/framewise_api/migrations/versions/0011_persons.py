"""persons: face tracks with their descriptors (pgvector), the persons they group into, and the
faces people said are not a person

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SIZE = 128  # a face descriptor's numbers, as the schema of this revision has them


def upgrade() -> None:
    # pgvector: the embedded PostgreSQL ships it; an external server needs the extension installed
    # (the package `postgresql-<n>-pgvector` on Debian), and this creates it in the database.
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_persons"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="ck_persons_name_length"),
    )
    op.create_index("ix_persons_name", "persons", [sa.text("lower(name) text_pattern_ops")])
    op.create_table(
        "faces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.Uuid(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("best_ms", sa.BigInteger(), nullable=False),
        *(sa.Column(corner, sa.REAL(), nullable=False) for corner in ("x1", "y1", "x2", "y2")),
        sa.Column("confidence", sa.REAL(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("descriptor", Vector(SIZE), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_faces"),
    )
    op.create_index("ix_faces_person_id_video_id_start_ms", "faces", ["person_id", "video_id", "start_ms"])
    op.create_index("ix_faces_video_id_start_ms", "faces", ["video_id", "start_ms"])
    op.create_index("ix_faces_run_id", "faces", ["run_id"])
    op.create_index(
        "ix_faces_descriptor",
        "faces",
        ["descriptor"],
        postgresql_using="hnsw",
        postgresql_ops={"descriptor": "vector_l2_ops"},
    )
    op.create_table(
        "person_refusals",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
        sa.Column("descriptor", Vector(SIZE), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_person_refusals"),
    )
    op.create_index("ix_person_refusals_person_id", "person_refusals", ["person_id"])
    # A named person's faces are moments too (type `person`, label the name), found by search.
    op.add_column("moments", sa.Column("face_id", sa.Uuid(), sa.ForeignKey("faces.id", ondelete="CASCADE")))
    op.create_index("ix_moments_face_id", "moments", ["face_id"])


def downgrade() -> None:
    op.execute("DELETE FROM moments WHERE face_id IS NOT NULL")
    op.drop_index("ix_moments_face_id", "moments")
    op.drop_column("moments", "face_id")
    op.drop_table("person_refusals")
    op.drop_table("faces")
    op.drop_table("persons")
    # the extension stays: other databases' objects on this server may use it
