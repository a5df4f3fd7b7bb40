"""Search over moments in PostgreSQL: full text (stemmed English) for speech, trigram similarity and
substrings (pg_trgm) for on-screen text, exact labels for objects, faces, places and scenes; filters,
co-occurrence windows, library-order jumps and label counts, all on indexes."""

import asyncio
import html
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.application.results import Jump, LabelCount, Page, SearchHit, SearchQuery, SearchSort
from framewise.domain.ids import VideoId
from framewise.domain.moments import MomentType, normalise, trigrams

SIMILAR, COVERED = 0.3, 0.7  # pg_trgm's default similarity threshold; most of the query's trigrams
MARK_START, MARK_END = "\x02", "\x03"  # ts_headline's markers, turned into <mark> after escaping
SELECT = """
SELECT m.video_id, v.root, v.path, m.moment_type, m.start_ms, m.end_ms, m.label, m.confidence, m.run_id,
       m.best_ms, {score} AS score, {headline} AS headline
  FROM moments m JOIN videos v ON v.id = m.video_id
 WHERE {where}
"""
# Shared trigrams of a moment's text and the query's, for on-screen text: similarity is their share
# of both sets (as pg_trgm's similarity), coverage their share of the query's (as word_similarity).
SHARED = "(SELECT count(*) FROM unnest(m.trigrams) AS g WHERE g = ANY(CAST(:qt AS text[])))"
SIMILARITY = f"({SHARED}::real / NULLIF(cardinality(m.trigrams) + :qt_n - {SHARED}, 0))"
COVERAGE = f"({SHARED}::real / NULLIF(:qt_n, 0))"
SUBSTRING = "m.search_text LIKE :q_like ESCAPE '\\'"
TEXT_MATCH = f"""(
    (m.moment_type = 'transcript' AND m.tsv @@ websearch_to_tsquery('english', :q))
 OR (m.moment_type = 'ocr' AND m.trigrams && CAST(:qt AS text[])
     AND ({SUBSTRING} OR {SIMILARITY} >= {SIMILAR} OR {COVERAGE} >= {COVERED}))
 OR (m.moment_type IN ('object', 'face', 'place', 'scene')
     AND (m.search_text = :qn OR m.tsv @@ plainto_tsquery('english', :q)))
)"""
SCORE = f"""CASE m.moment_type
    WHEN 'transcript' THEN ts_rank(m.tsv, websearch_to_tsquery('english', :q), 32) * 2
    WHEN 'ocr' THEN GREATEST(COALESCE({SIMILARITY}, 0), COALESCE({COVERAGE}, 0) * 0.8,
                             CASE WHEN {SUBSTRING} THEN 0.9 ELSE 0 END)
    ELSE CASE WHEN m.search_text = :qn THEN 1.0 ELSE 0.6 END
END"""
HEADLINE = (
    "CASE WHEN m.moment_type = 'transcript' THEN ts_headline('english', m.label, websearch_to_tsquery('english', :q),"
    " 'StartSel=\x02, StopSel=\x03, HighlightAll=true') END"
)
NEAR = """EXISTS (SELECT 1 FROM moments n
                   WHERE n.video_id = m.video_id AND n.moment_type = :near_type_{i} AND n.search_text = :near_label_{i}
                     AND n.start_ms <= m.end_ms + :within_ms AND n.end_ms >= m.start_ms - :within_ms)"""


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    where = ["m.moment_type = ANY(:types)"]
    params: dict[str, Any] = {"types": sorted(t.value for t in query.types), "within_ms": query.within_ms}
    if query.q is not None:
        qn, grams = normalise(query.q), trigrams(query.q)
        params.update(q=query.q, qn=qn, q_like=f"%{_escape_like(qn)}%", qt=grams, qt_n=len(grams))
        where.append(TEXT_MATCH)
    if query.label is not None:
        where.append("m.search_text = :label")
        params["label"] = normalise(query.label)
    if query.min_confidence is not None:
        where.append("m.confidence >= :min_confidence")
        params["min_confidence"] = query.min_confidence
    if query.video_id is not None:
        where.append("m.video_id = :video_id")
        params["video_id"] = query.video_id
    if query.from_ms is not None:
        where.append("m.end_ms > :from_ms")
        params["from_ms"] = query.from_ms
    if query.to_ms is not None:
        where.append("m.start_ms < :to_ms")
        params["to_ms"] = query.to_ms
    if query.run_id is not None:
        where.append("m.run_id = :run_id")
        params["run_id"] = query.run_id
    for i, term in enumerate(query.near):
        where.append(NEAR.format(i=i))
        params[f"near_type_{i}"] = term.moment_type.value
        params[f"near_label_{i}"] = normalise(term.label)
    return where, params


def snippet(label: str, headline: str | None, q: str | None) -> str:
    """The label, HTML-escaped, with what matched the query in <mark>."""
    if headline:
        escaped = html.escape(headline)
        return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    if not q:
        return html.escape(label)
    words = [re.escape(w) for w in normalise(q).split(" ") if w]
    pattern = re.compile(r"\s+".join(words), re.IGNORECASE) if words else None
    found = pattern.search(label) if pattern else None
    if found is None:  # a fuzzy match: the whole label is what was found
        return f"<mark>{html.escape(label)}</mark>"
    start, end = found.span()
    return f"{html.escape(label[:start])}<mark>{html.escape(label[start:end])}</mark>{html.escape(label[end:])}"


def _hit(row: Any, q: str | None) -> SearchHit:
    return SearchHit(
        video_id=VideoId(row.video_id),
        root=row.root,
        path=row.path,
        moment_type=MomentType(row.moment_type),
        start_ms=int(row.start_ms),
        end_ms=int(row.end_ms),
        label=row.label,
        snippet=snippet(row.label, row.headline, q),
        score=round(float(row.score), 4),
        confidence=None if row.confidence is None else round(float(row.confidence), 4),
        run_id=row.run_id,
        best_ms=int(row.best_ms),
    )


class SqlMomentSearch:
    """Moments found, counted and stepped through, straight from PostgreSQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def _select(self, query: SearchQuery, where: list[str]) -> str:
        text_query = query.q is not None
        return SELECT.format(
            score=SCORE if text_query else "COALESCE(m.confidence, 1.0)",
            headline=HEADLINE if text_query else "NULL",
            where=" AND ".join(where),
        )

    async def search(self, query: SearchQuery) -> Page[SearchHit]:
        where, params = _conditions(query)
        order = (
            "score DESC, v.root, v.path, m.start_ms, m.id"
            if query.sort is SearchSort.RELEVANCE
            else "v.root, v.path, m.start_ms, m.id"
        )
        rows_sql = f"{self._select(query, where)} ORDER BY {order} LIMIT :limit OFFSET :offset"
        count_sql = f"SELECT count(*) FROM moments m WHERE {' AND '.join(where)}"

        async def fetch() -> list[SearchHit]:
            async with self._sessions() as session:
                result = await session.execute(text(rows_sql), {**params, "limit": query.limit, "offset": query.offset})
                return [_hit(row, query.q) for row in result]

        async def count() -> int:
            async with self._sessions() as session:
                return int((await session.execute(text(count_sql), params)).scalar_one())

        items, total = await asyncio.gather(fetch(), count())
        return Page(items=items, total=total, limit=query.limit, offset=query.offset)

    async def neighbour(self, query: SearchQuery, video_id: VideoId, at_ms: int, *, forward: bool) -> Jump:
        """The next (or previous) matching moment in library order (root, path, start) after (or
        before) `at_ms` in `video_id`, wrapping around the library's ends."""
        where, params = _conditions(query)
        params.update(anchor_video=video_id, at_ms=at_ms)
        anchor = (
            "(SELECT root FROM videos WHERE id = :anchor_video), (SELECT path FROM videos WHERE id = :anchor_video)"
        )
        step, direction = (">", "ASC") if forward else ("<", "DESC")
        order = f"v.root {direction}, v.path {direction}, m.start_ms {direction}, m.id {direction}"
        beyond = f"(v.root, v.path, m.start_ms) {step} ({anchor}, :at_ms)"
        select_sql = self._select(query, where)
        async with self._sessions() as session:
            row = (await session.execute(text(f"{select_sql} AND {beyond} ORDER BY {order} LIMIT 1"), params)).first()
            if row is not None:
                return Jump(_hit(row, query.q), wrapped=False)
            row = (await session.execute(text(f"{select_sql} ORDER BY {order} LIMIT 1"), params)).first()
        return Jump(_hit(row, query.q) if row is not None else None, wrapped=row is not None)

    async def labels(self, moment_type: MomentType, prefix: str | None, limit: int) -> list[LabelCount]:
        """The most frequent labels of a type (words, stemmed, for speech), with moment and video counts."""
        params: dict[str, Any] = {"type": moment_type.value, "limit": limit}
        if moment_type is MomentType.TRANSCRIPT:
            sql = """
SELECT w.word AS label, count(*) AS moments, count(DISTINCT m.video_id) AS videos
  FROM moments m, unnest(tsvector_to_array(m.tsv)) AS w(word)
 WHERE m.moment_type = :type {prefix}
 GROUP BY w.word ORDER BY moments DESC, w.word LIMIT :limit"""
            prefix_sql = "AND w.word LIKE :prefix ESCAPE '\\'"
        else:
            sql = """
SELECT min(m.label) AS label, count(*) AS moments, count(DISTINCT m.video_id) AS videos
  FROM moments m
 WHERE m.moment_type = :type {prefix}
 GROUP BY m.search_text ORDER BY moments DESC, m.search_text LIMIT :limit"""
            prefix_sql = "AND m.search_text LIKE :prefix ESCAPE '\\'"
        if prefix:
            params["prefix"] = f"{_escape_like(normalise(prefix))}%"
        async with self._sessions() as session:
            rows = await session.execute(text(sql.format(prefix=prefix_sql if prefix else "")), params)
            return [LabelCount(moment_type, r.label, int(r.moments), int(r.videos)) for r in rows]
