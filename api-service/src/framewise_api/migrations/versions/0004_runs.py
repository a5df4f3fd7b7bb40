"""runs: each inference run's provenance stored once, not on every artifact

Artifacts keep their run_id and lose the seven provenance columns they repeated; their run_id index
(a run is found through its task) goes too. Their two foreign keys (to videos and tasks) become one
rule checked per statement: every artifact belongs to a run of its own task (a stronger rule than
either key), checked by a join over the rows a COPY wrote instead of a key lookup per row, which is
what kept the bulk insert near 50,000 rows/s. Deleting runs takes their artifacts with them;
runs cascade from tasks, tasks from videos.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# What the foreign keys did, per statement instead of per row. Written artifacts must each belong
# to a run of their own task: one join over everything the statement wrote, the runs first locked
# against a concurrent delete (KEY SHARE, as a foreign key does). A run deleted takes its
# artifacts; its keys never change. (TRUNCATE fires no delete trigger: truncate both tables together.)
CHECK_ARTIFACT_RUNS = (
    """
CREATE FUNCTION artifacts_belong_to_a_run() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphan record;
BEGIN
    PERFORM 1 FROM runs WHERE run_id IN (SELECT run_id FROM written) FOR KEY SHARE;
    SELECT w.task_id, w.run_id INTO orphan
      FROM (SELECT DISTINCT task_id, run_id FROM written) AS w
      LEFT JOIN runs AS r ON r.run_id = w.run_id AND r.task_id = w.task_id
     WHERE r.run_id IS NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'artifacts of task % name run %, which is not a run of that task', orphan.task_id,
            orphan.run_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER artifacts_inserted_belong_to_a_run AFTER INSERT ON artifacts
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION artifacts_belong_to_a_run()
""",
    """
CREATE TRIGGER artifacts_updated_belong_to_a_run AFTER UPDATE ON artifacts
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION artifacts_belong_to_a_run()
""",
    """
CREATE FUNCTION runs_take_their_artifacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM artifacts AS a USING gone AS g WHERE a.task_id = g.task_id AND a.run_id = g.run_id;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER runs_deleted_take_their_artifacts AFTER DELETE ON runs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION runs_take_their_artifacts()
""",
    """
CREATE FUNCTION runs_keys_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a run keeps its run_id and task_id' USING ERRCODE = 'foreign_key_violation';
END $$
""",
    """
CREATE TRIGGER runs_keys_are_fixed BEFORE UPDATE OF run_id, task_id ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_keys_are_fixed()
""",
)

DROP_CHECKS = (
    "DROP TRIGGER runs_keys_are_fixed ON runs",
    "DROP TRIGGER runs_deleted_take_their_artifacts ON runs",
    "DROP TRIGGER artifacts_updated_belong_to_a_run ON artifacts",
    "DROP TRIGGER artifacts_inserted_belong_to_a_run ON artifacts",
    "DROP FUNCTION runs_keys_are_fixed()",
    "DROP FUNCTION runs_take_their_artifacts()",
    "DROP FUNCTION artifacts_belong_to_a_run()",
)

RUN_COLUMNS = "producer producer_version model_profile config_hash input_hash device weights".split()


def _run_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("producer", sa.Text(), nullable=False),
        sa.Column("producer_version", sa.Text(), nullable=False),
        sa.Column("model_profile", sa.Text(), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("weights", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        *_run_columns(),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_runs_task_id_tasks", ondelete="CASCADE"),
    )
    op.create_index("ix_runs_task_id", "runs", ["task_id"])
    columns = ", ".join(RUN_COLUMNS)
    op.execute(
        f"INSERT INTO runs (run_id, task_id, {columns}) "
        f"SELECT DISTINCT ON (run_id) run_id, task_id, {columns} FROM artifacts ORDER BY run_id, created_at"
    )
    op.drop_index("ix_artifacts_run_id", table_name="artifacts")
    op.drop_constraint("fk_artifacts_video_id_videos", "artifacts", type_="foreignkey")
    op.drop_constraint("fk_artifacts_task_id_tasks", "artifacts", type_="foreignkey")
    for name in RUN_COLUMNS:
        op.drop_column("artifacts", name)
    for statement in CHECK_ARTIFACT_RUNS:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_CHECKS:
        op.execute(statement)
    for column in _run_columns():
        op.add_column("artifacts", sa.Column(column.name, column.type, nullable=True))
    assignments = ", ".join(f"{name} = runs.{name}" for name in RUN_COLUMNS)
    op.execute(f"UPDATE artifacts SET {assignments} FROM runs WHERE runs.run_id = artifacts.run_id")
    for name in RUN_COLUMNS:
        op.alter_column("artifacts", name, nullable=False)
    op.create_foreign_key(
        "fk_artifacts_video_id_videos", "artifacts", "videos", ["video_id"], ["id"], ondelete="CASCADE"
    )
    op.create_foreign_key("fk_artifacts_task_id_tasks", "artifacts", "tasks", ["task_id"], ["id"], ondelete="CASCADE")
    op.create_index("ix_artifacts_run_id", "artifacts", ["run_id"])
    op.drop_index("ix_runs_task_id", table_name="runs")
    op.drop_table("runs")
