"""moments: the time ranges search finds, built from each run's artifacts

A moment belongs to a run (deleted with it: a re-run or the video going takes its moments) and to
its video. `search_text` is the normalised label; `tsv` its English full-text vector (stemmed
transcript and labels); `trigrams` the label's trigrams as pg_trgm makes them, GIN-indexed, which
find misread and partial on-screen text (the embedded PostgreSQL has no pg_trgm extension; GIN on
a text array is built in). Existing artifacts get their moments here, built by the same domain
code the worker uses.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from framewise.domain.moments import moments_of, normalise, trigrams
from framewise.domain.payloads import ArtifactType

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("video_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("moment_type", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("tsv", TSVECTOR(), sa.Computed("to_tsvector('english'::regconfig, search_text)", persisted=True)),
        sa.Column("trigrams", ARRAY(sa.Text()), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("confidence", sa.REAL(), nullable=True),
        sa.Column("best_ms", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moments"),
        sa.ForeignKeyConstraint(["video_id"], ["videos.id"], name="fk_moments_video_id_videos", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_moments_run_id_runs", ondelete="CASCADE"),
        sa.CheckConstraint("end_ms > start_ms", name="ck_moments_moment_ordered"),
    )
    op.create_index("ix_moments_video_id_start_ms", "moments", ["video_id", "start_ms"])
    op.create_index("ix_moments_type_search_text", "moments", ["moment_type", "search_text"])
    op.create_index("ix_moments_run_id", "moments", ["run_id"])
    op.execute("CREATE INDEX ix_moments_tsv ON moments USING gin (tsv)")
    op.execute("CREATE INDEX ix_moments_trigrams ON moments USING gin (trigrams)")
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT a.video_id, a.task_id, a.run_id, a.artifact_type, a.payload, t.config "
            "FROM artifacts a JOIN tasks t ON t.id = a.task_id ORDER BY a.run_id, a.span_start_ms"
        )
    )
    runs: dict[tuple[Any, Any, str, str], list[dict[str, Any]]] = defaultdict(list)
    configs: dict[str, dict[str, Any]] = {}
    for video_id, task_id, run_id, artifact_type, payload, config in rows:
        runs[(video_id, task_id, run_id, artifact_type)].append(payload)
        configs[run_id] = config or {}
    insert = sa.text(
        "INSERT INTO moments (video_id, task_id, run_id, moment_type, label, search_text, trigrams, start_ms, "
        "end_ms, confidence, best_ms, count) VALUES (:video_id, :task_id, :run_id, :moment_type, :label, "
        ":search_text, :trigrams, :start_ms, :end_ms, :confidence, :best_ms, :count)"
    )
    for (video_id, task_id, run_id, artifact_type), payloads in runs.items():
        try:
            built = moments_of(ArtifactType(artifact_type), payloads, config=configs[run_id], run_id=run_id)
        except (KeyError, TypeError, ValueError):  # payloads of an older or foreign shape: no moments for them
            continue
        if built:
            bind.execute(
                insert,
                [
                    {
                        "video_id": video_id,
                        "task_id": task_id,
                        "run_id": run_id,
                        "moment_type": m.moment_type.value,
                        "label": m.label,
                        "search_text": normalise(m.label),
                        "trigrams": trigrams(m.label),
                        "start_ms": m.start_ms,
                        "end_ms": m.end_ms,
                        "confidence": m.confidence,
                        "best_ms": m.best_ms,
                        "count": m.count,
                    }
                    for m in built
                ],
            )


def downgrade() -> None:
    op.drop_table("moments")
