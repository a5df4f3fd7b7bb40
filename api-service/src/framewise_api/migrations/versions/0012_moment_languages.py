"""moment languages: each moment indexed in its own language, and the library's words for fuzzy search

`language` is speech's language (ISO 639-1, from its transcript item; none for other moments);
`ts_config` the text search configuration that stems it (framewise.domain.languages: `french` for
`fr`, `simple` for a language PostgreSQL does not stem, English without a language) and `tsv` the
vector that configuration makes, both generated: the existing moments are recomputed here, English
unless their transcript item says otherwise.

Speech's vectors, labels' and on-screen text's trigrams get an index each (partial), so that a
word said 10,000 times costs a search of labels or on-screen text nothing.

`search_words` holds every word of every moment with its trigrams (GIN), kept by a statement
trigger on the moments' inserts (COPY included): a misspelt query word is looked up there for its
close spellings. Words are never taken away (a stale word only widens a fuzzy query to a word that
finds nothing).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from framewise.infrastructure.postgres.tables import ts_config_of

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The words of the moments in `added` (3 to 40 letters or digits), each with its trigrams as pg_trgm
# makes them (framewise.domain.moments.trigrams), added in word order (two writers never wait on
# each other in opposite orders).
ADD_WORDS = """
INSERT INTO search_words (word, trigrams)
SELECT w.word, ARRAY(SELECT DISTINCT substr('  ' || w.word || ' ', i, 3)
                       FROM generate_series(1, length(w.word) + 1) AS i ORDER BY 1)
  FROM (SELECT DISTINCT word
          FROM added, regexp_split_to_table(added.search_text, '[^[:alnum:]]+') AS word
         WHERE length(word) BETWEEN 3 AND 40) AS w
 WHERE NOT EXISTS (SELECT 1 FROM search_words s WHERE s.word = w.word)
 ORDER BY w.word
ON CONFLICT (word) DO NOTHING"""
WORDS_FUNCTION = f"""
CREATE FUNCTION moments_add_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{ADD_WORDS};
    RETURN NULL;
END $$"""
WORDS_TRIGGER = """
CREATE TRIGGER moments_search_words AFTER INSERT ON moments REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION moments_add_search_words()"""


def upgrade() -> None:
    op.add_column("moments", sa.Column("language", sa.Text(), nullable=True))
    op.execute(
        "UPDATE moments m"
        " SET language = nullif(lower(split_part(replace(a.payload->>'language', '_', '-'), '-', 1)), '')"
        " FROM artifacts a WHERE m.moment_type = 'transcript' AND a.run_id = m.run_id"
        " AND a.artifact_type = 'transcript_segment' AND a.span_start_ms = m.start_ms"
    )
    op.drop_index("ix_moments_tsv", table_name="moments")
    op.drop_column("moments", "tsv")
    config = ts_config_of("language")
    op.execute(f"ALTER TABLE moments ADD COLUMN ts_config regconfig GENERATED ALWAYS AS ({config}) STORED")
    op.execute(
        f"ALTER TABLE moments ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector({config}, search_text)) STORED"
    )
    # Speech's vectors and labels' each have their index (on-screen text is found by its trigrams):
    # a word said 10,000 times costs a label search nothing.
    op.execute("CREATE INDEX ix_moments_speech_tsv ON moments USING gin (tsv) WHERE moment_type = 'transcript'")
    op.execute(
        "CREATE INDEX ix_moments_labels_tsv ON moments USING gin (tsv) WHERE moment_type NOT IN ('transcript', 'ocr')"
    )
    # On-screen text is the only kind found by its trigrams: its own, smaller index, which the planner
    # takes over scanning every on-screen text for a word that few hold.
    op.drop_index("ix_moments_trigrams", table_name="moments")
    op.execute("CREATE INDEX ix_moments_ocr_trigrams ON moments USING gin (trigrams) WHERE moment_type = 'ocr'")
    op.execute("CREATE INDEX ix_moments_language ON moments (language) WHERE language IS NOT NULL")
    op.create_table(
        "search_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("trigrams", sa.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("word", name="pk_search_words"),
    )
    op.execute("CREATE INDEX ix_search_words_trigrams ON search_words USING gin (trigrams)")
    op.execute(WORDS_FUNCTION)
    op.execute(WORDS_TRIGGER)
    op.execute(f"WITH added AS (SELECT search_text FROM moments) {ADD_WORDS}")  # the words already there


def downgrade() -> None:
    op.execute("DROP TRIGGER moments_search_words ON moments")
    op.execute("DROP FUNCTION moments_add_search_words()")
    op.drop_table("search_words")
    op.drop_index("ix_moments_language", table_name="moments")
    op.drop_index("ix_moments_ocr_trigrams", table_name="moments")
    op.execute("CREATE INDEX ix_moments_trigrams ON moments USING gin (trigrams)")
    op.drop_index("ix_moments_labels_tsv", table_name="moments")
    op.drop_index("ix_moments_speech_tsv", table_name="moments")
    op.drop_column("moments", "tsv")
    op.drop_column("moments", "ts_config")
    op.drop_column("moments", "language")
    op.execute(
        "ALTER TABLE moments ADD COLUMN tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED"
    )
    op.execute("CREATE INDEX ix_moments_tsv ON moments USING gin (tsv)")
