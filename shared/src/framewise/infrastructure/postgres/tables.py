"""Table definitions (SQLAlchemy Core). Alembic migrations in the api-service create them."""

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, REGCONFIG, TSVECTOR

from framewise.domain.languages import TEXT_SEARCH_CONFIGS
from framewise.domain.payloads import DESCRIPTOR_SIZE, VOICE_SIZE

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

videos = Table(
    "videos",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("root", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime", Double, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("duration_ms", BigInteger),
    Column("fps", Double),
    Column("width", Integer),
    Column("height", Integer),
    Column("has_audio", Boolean),
    Column("discovered_at", DateTime(timezone=True), nullable=False),
    Column("missing_since", DateTime(timezone=True)),
    # root/path/size/mtime: the primary location (one of video_files, while the video has any);
    # the files themselves are video_files, unique there.
    CheckConstraint("size >= 0", name="size_non_negative"),
    Index("ix_videos_discovered_at", "discovered_at"),
    Index("ix_videos_status_discovered_at", "status", "discovered_at"),
    Index("ix_videos_root_path", "root", "path"),
    Index("ix_videos_content_hash", "content_hash"),
)

video_files = Table(
    "video_files",
    metadata,
    # Every file holding a video's content (a video is its content: copies share it, a move keeps
    # it). `missing_since`: the file was not found by a scan since then.
    Column("root", Text, primary_key=True),
    Column("path", Text, primary_key=True),
    Column("video_id", Uuid, ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime", Double, nullable=False),
    Column("missing_since", DateTime(timezone=True)),
    Index("ix_video_files_video_id", "video_id"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("video_id", Uuid, ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
    Column("task_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("queue", String(32), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("transient_failures", Integer, nullable=False, server_default="0"),
    Column("workers_lost", Integer, nullable=False, server_default="0"),
    Column("job_id", Text),
    Column("config", JSONB, nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("overrides", JSONB, nullable=False, server_default=text("'{}'::jsonb")),  # a request's own settings
    Column("progress", REAL, nullable=False, server_default="0"),
    Column("eta_s", Double),
    Column("error", Text),
    Column("error_kind", String(32)),
    Column("correlation_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("enqueued_at", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("waiting_reason", Text),  # a PENDING task that cannot start yet: why
    Column("waiting_since", DateTime(timezone=True)),
    UniqueConstraint("video_id", "task_type", "config_hash"),
    CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
    CheckConstraint("status IN ('PENDING','RUNNING','COMPLETED','FAILED','CANCELLED')", name="status_known"),
    Index("ix_tasks_status_created_at", "status", "created_at"),
    Index("ix_tasks_task_type_created_at", "task_type", "created_at"),
    Index("ix_tasks_created_at", "created_at"),
    Index("ix_tasks_started_at", "started_at"),
)

runs = Table(
    "runs",
    metadata,
    # One row per inference run: the provenance every artifact of the run shares (docs/design/analyses.md), stored
    # once instead of on each of its (up to tens of thousands of) artifacts.
    Column("run_id", String(64), primary_key=True),
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("producer", Text, nullable=False),
    Column("producer_version", Text, nullable=False),
    Column("model_profile", Text, nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("input_hash", String(64), nullable=False),
    Column("device", Text, nullable=False),
    Column("weights", Text, nullable=False),
    Column("change_threshold", Double),  # null: the analysis does not skip unchanged frames
    # `current`: what readers see (a first run from its first window on, progressively); `next`: a
    # re-index run, hidden until it completes, when the current one becomes `superseded` (its
    # row stays, listed as an old run; its artifacts and moments go).
    Column("state", String(16), nullable=False, server_default="current"),
    Column("created_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("superseded_at", DateTime(timezone=True)),
    CheckConstraint("state IN ('current','next','superseded')", name="state_known"),
    Index("ix_runs_task_id", "task_id"),
    Index("ix_runs_next", "run_id", postgresql_where=text("state = 'next'")),  # readers leave these out
)

artifacts = Table(
    "artifacts",
    metadata,
    # No row-level foreign keys: each costs a lookup per row on the bulk (COPY) path. Instead a
    # statement-level trigger (migration 0004) checks that every artifact written belongs to a run of
    # its own task, and deleting a run deletes its artifacts (runs cascade from tasks, tasks from videos).
    Column("id", Uuid, primary_key=True),
    Column("video_id", Uuid, nullable=False),
    Column("task_id", Uuid, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("artifact_type", String(32), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("span_start_ms", BigInteger, nullable=False),
    Column("span_end_ms", BigInteger, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("span_end_ms >= span_start_ms", name="span_ordered"),
    Index("ix_artifacts_video_id_artifact_type_span_start_ms", "video_id", "artifact_type", "span_start_ms"),
    Index("ix_artifacts_task_id", "task_id"),
)


def ts_config_of(language: str) -> str:
    """The SQL that names the text search configuration of a moment's `language` column: its
    language's (framewise.domain.languages), `simple` for one PostgreSQL does not stem, English
    without a language (labels, on-screen text, speech written before languages were kept)."""
    arms = " ".join(f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in sorted(TEXT_SEARCH_CONFIGS.items()))
    other = "'simple'::regconfig"
    return f"CASE WHEN {language} IS NULL THEN 'english'::regconfig ELSE CASE {language} {arms} ELSE {other} END END"


moments = Table(
    "moments",
    metadata,
    # Time ranges people search and jump to, built from one run's artifacts in the transaction that
    # writes them (see framewise.domain.moments); deleting the run (a re-run, the video going) deletes
    # them. `search_text` is the normalised label; `language` speech's (ISO 639-1); `ts_config` the
    # text search configuration of that language and `tsv` the full-text vector it makes (both
    # generated, migration 0012); `trigrams` (pg_trgm's, computed by the writer, GIN-indexed) find
    # misread and partial on-screen text.
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("video_id", Uuid, ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", Uuid, nullable=False),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("moment_type", String(16), nullable=False),
    Column("label", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("language", Text),
    Column("ts_config", REGCONFIG, Computed(ts_config_of("language"), persisted=True)),
    Column("tsv", TSVECTOR, Computed(f"to_tsvector({ts_config_of('language')}, search_text)", persisted=True)),
    Column("trigrams", ARRAY(Text), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("confidence", REAL, nullable=True),
    Column("best_ms", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    # A person moment's face track: a named person's face is a moment too (type `person`, label the
    # name), kept in step with names and groupings by the persons' repository.
    Column("face_id", Uuid, ForeignKey("faces.id", ondelete="CASCADE")),
    # A transcript moment's speaker turn (its speaker is the hit's), and a speaker moment's: a named
    # speaker's turn is a moment too (type `speaker`, label the name), kept in step by the speakers'.
    Column("voice_id", Uuid, ForeignKey("voices.id", ondelete="CASCADE")),
    CheckConstraint("end_ms > start_ms", name="moment_ordered"),
    Index("ix_moments_video_id_start_ms", "video_id", "start_ms"),
    Index("ix_moments_type_search_text", "moment_type", "search_text"),
    Index("ix_moments_run_id", "run_id"),
    Index("ix_moments_face_id", "face_id"),
    Index("ix_moments_voice_id", "voice_id"),
    Index("ix_moments_language", "language", postgresql_where=text("language IS NOT NULL")),
)

search_words = Table(
    "search_words",
    metadata,
    # Every word the moments hold (migration 0012's trigger adds a moment's words as it is written;
    # none are taken away), with its trigrams, GIN-indexed: a misspelt query word is looked up here
    # for its close spellings, which the text query then asks for.
    Column("word", Text, primary_key=True),
    Column("trigrams", ARRAY(Text), nullable=False),
)

task_windows = Table(
    "task_windows",
    metadata,
    # The committed windows of each task's run: checkpoints a resumed task starts after, written in
    # the transaction that writes the window's artifacts (see framewise.domain.windows).
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("window_index", Integer, primary_key=True),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("items", Integer, nullable=False),
    Column("compute_ms", Double, nullable=False),
    Column("committed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("window_index >= 0", name="window_index_non_negative"),
    Index("ix_task_windows_run_id", "run_id"),
)

analysis_settings = Table(
    "analysis_settings",
    metadata,
    # Layers of per-analysis config (framewise.domain.analysis_settings): the library's, a root's or
    # folder's, a video's; `scope_key` names the layer ("library", "folder:<root>:<folder>",
    # "video:<id>"), `analyses` maps a task type to its config keys.
    Column("scope_key", Text, primary_key=True),
    Column("scope", String(16), nullable=False),
    Column("root", Text),
    Column("folder", Text),
    Column("video_id", Uuid, ForeignKey("videos.id", ondelete="CASCADE")),
    Column("analyses", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("scope IN ('library','folder','video')", name="scope_known"),
)

persons = Table(
    "persons",
    metadata,
    # A group of faces across the library (framewise.domain.faces): a name people gave it, or none.
    Column("id", Uuid, primary_key=True),
    Column("name", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="name_length"),
    Index("ix_persons_name", text("lower(name) text_pattern_ops")),
)

faces = Table(
    "faces",
    metadata,
    # A face track of a run of face detection (one face followed over consecutive samples) and its
    # descriptor; replaced with the run's moments, gone with its video. `pinned`: put in its person
    # by people (a merge, "not this person"), so a re-grouping leaves it there.
    Column("id", Uuid, primary_key=True),
    Column("video_id", Uuid, ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", Uuid, nullable=False),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Uuid, ForeignKey("persons.id", ondelete="SET NULL")),
    Column("pinned", Boolean, nullable=False, server_default=text("false")),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("best_ms", BigInteger, nullable=False),
    Column("x1", REAL, nullable=False),
    Column("y1", REAL, nullable=False),
    Column("x2", REAL, nullable=False),
    Column("y2", REAL, nullable=False),
    Column("confidence", REAL, nullable=False),
    Column("count", Integer, nullable=False),
    Column("descriptor", Vector(DESCRIPTOR_SIZE), nullable=False),
    Index("ix_faces_person_id_video_id_start_ms", "person_id", "video_id", "start_ms"),
    Index("ix_faces_video_id_start_ms", "video_id", "start_ms"),
    Index("ix_faces_run_id", "run_id"),
    Index(
        "ix_faces_descriptor",
        "descriptor",
        postgresql_using="hnsw",
        postgresql_ops={"descriptor": "vector_l2_ops"},
    ),
)

person_refusals = Table(
    "person_refusals",
    metadata,
    # "Not this person": what a face people took out of a person looked like. A face this close
    # never joins that person again, whatever re-grouping or re-index happens.
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("person_id", Uuid, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("descriptor", Vector(DESCRIPTOR_SIZE), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_person_refusals_person_id", "person_id"),
)

speakers = Table(
    "speakers",
    metadata,
    # A group of voices across the library (framewise.domain.voices): a name people gave it, or
    # none; `number` a stable ordinal in the library ("Speaker 7"); `person_id` the person people
    # said it is (an accepted suggestion).
    Column("id", Uuid, primary_key=True),
    Column("name", Text),
    Column("number", BigInteger, Identity(), nullable=False),
    Column("person_id", Uuid, ForeignKey("persons.id", ondelete="SET NULL")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="name_length"),
    UniqueConstraint("number"),
    Index("ix_speakers_name", text("lower(name) text_pattern_ops")),
)

voices = Table(
    "voices",
    metadata,
    # A speaker turn of a transcription run with its voice (one per transcript item that has one);
    # replaced with the run's moments, gone with its video. `pinned`: put in its speaker by people.
    Column("id", Uuid, primary_key=True),
    Column("video_id", Uuid, ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", Uuid, nullable=False),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("speaker_id", Uuid, ForeignKey("speakers.id", ondelete="SET NULL")),
    Column("pinned", Boolean, nullable=False, server_default=text("false")),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("descriptor", Vector(VOICE_SIZE), nullable=False),
    Index("ix_voices_speaker_id_video_id_start_ms", "speaker_id", "video_id", "start_ms"),
    Index("ix_voices_video_id_start_ms", "video_id", "start_ms"),
    Index("ix_voices_run_id", "run_id"),
    Index(
        "ix_voices_descriptor",
        "descriptor",
        postgresql_using="hnsw",
        postgresql_ops={"descriptor": "vector_cosine_ops"},
    ),
)
