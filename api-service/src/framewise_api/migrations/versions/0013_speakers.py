"""speakers: transcript turns with their voices (pgvector, cosine), the speakers they group into,
and the moments that carry them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SIZE = 256  # a voice embedding's numbers, as the schema of this revision has them


def upgrade() -> None:
    op.create_table(
        "speakers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("number", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_speakers"),
        sa.UniqueConstraint("number", name="uq_speakers_number"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="ck_speakers_name_length"),
    )
    op.create_index("ix_speakers_name", "speakers", [sa.text("lower(name) text_pattern_ops")])
    op.create_table(
        "voices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("video_id", sa.Uuid(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("speaker_id", sa.Uuid(), sa.ForeignKey("speakers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("descriptor", Vector(SIZE), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_voices"),
    )
    op.create_index("ix_voices_speaker_id_video_id_start_ms", "voices", ["speaker_id", "video_id", "start_ms"])
    op.create_index("ix_voices_video_id_start_ms", "voices", ["video_id", "start_ms"])
    op.create_index("ix_voices_run_id", "voices", ["run_id"])
    op.create_index(
        "ix_voices_descriptor",
        "voices",
        ["descriptor"],
        postgresql_using="hnsw",
        postgresql_ops={"descriptor": "vector_cosine_ops"},
    )
    # A transcript moment's turn (so a hit carries its speaker), and a named speaker's turns as
    # moments of their own (type `speaker`, label the name), found by search.
    op.add_column("moments", sa.Column("voice_id", sa.Uuid(), sa.ForeignKey("voices.id", ondelete="CASCADE")))
    op.create_index("ix_moments_voice_id", "moments", ["voice_id"])


def downgrade() -> None:
    op.execute("DELETE FROM moments WHERE moment_type = 'speaker'")
    op.drop_index("ix_moments_voice_id", "moments")
    op.drop_column("moments", "voice_id")
    op.drop_table("voices")
    op.drop_table("speakers")
