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
# Each kind of text match is its own branch on its own index (full text, trigrams, labels), the
# branches' hits put together (UNION ALL); the page is then ordered and cut, and only its rows get
# a headline.
SHARED = "(SELECT count(*)::real AS n FROM unnest(m.trigrams) AS g WHERE g = ANY(CAST(:qt AS text[])))"
SIMILARITY = "(s.n / NULLIF(cardinality(m.trigrams) + :qt_n - s.n, 0))"  # as pg_trgm's similarity
COVERAGE = "(s.n / NULLIF(:qt_n, 0))"  # the query's trigrams found, as pg_trgm's word_similarity
SUBSTRING = "m.search_text LIKE :q_like ESCAPE '\\'"
SPEECH = (
    "SELECT m.id, ts_rank(m.tsv, websearch_to_tsquery('english', :q), 32) * 2 AS score FROM moments m "
    "WHERE m.moment_type = 'transcript' AND m.tsv @@ websearch_to_tsquery('english', :q)"
)
ON_SCREEN = (
    f"SELECT m.id, GREATEST(COALESCE({SIMILARITY}, 0), COALESCE({COVERAGE}, 0) * 0.8, "
    f"CASE WHEN {SUBSTRING} THEN 0.9 ELSE 0 END) AS score "
    f"FROM moments m CROSS JOIN LATERAL {SHARED} AS s "
    f"WHERE m.moment_type = 'ocr' AND m.trigrams && CAST(:qt_inner AS text[]) "
    f"AND ({SUBSTRING} OR {SIMILARITY} >= {SIMILAR} OR {COVERAGE} >= {COVERED})"
)
LABELLED = (
    "SELECT m.id, CASE WHEN m.search_text = :qn THEN 1.0 ELSE 0.6 END AS score FROM moments m "
    "WHERE m.moment_type = ANY(:label_types) AND (m.search_text = :qn OR m.tsv @@ plainto_tsquery('english', :q))"
)
UNMATCHED = "SELECT m.id, COALESCE(m.confidence, 1.0) AS score FROM moments m WHERE m.moment_type = ANY(:types)"
LABEL_TYPES = {MomentType.OBJECT, MomentType.FACE, MomentType.PLACE, MomentType.SCENE, MomentType.PERSON}
# `person=<id>`: moments while that person is on screen (one of their faces overlaps, in the same video).
WITH_PERSON = """EXISTS (SELECT 1 FROM faces f
                          WHERE f.person_id = :person_id AND f.video_id = m.video_id
                            AND f.start_ms < m.end_ms AND f.end_ms > m.start_ms)"""
PAGE = """
WITH hits AS ({hits})
SELECT p.*, {headline} AS headline FROM (
    SELECT m.id, m.video_id, v.root, v.path, m.moment_type, m.start_ms, m.end_ms, m.label, m.confidence,
           m.run_id, m.best_ms, h.score, f.person_id, f.x1, f.y1, f.x2, f.y2
      FROM hits h JOIN moments m ON m.id = h.id JOIN videos v ON v.id = m.video_id
      LEFT JOIN faces f ON f.id = m.face_id
     {beyond}
     ORDER BY {order} LIMIT :limit OFFSET :offset
) p ORDER BY {outer_order}
"""
HEADLINE = (
    "CASE WHEN p.moment_type = 'transcript' THEN ts_headline('english', p.label, websearch_to_tsquery('english', :q),"
    " 'StartSel=\x02, StopSel=\x03, HighlightAll=true') END"
)
RELEVANCE = "score DESC, root, path, start_ms, id"
LIBRARY = "root, path, start_ms, id"
NEAR = """EXISTS (SELECT 1 FROM moments n
                   WHERE n.video_id = m.video_id AND n.moment_type = :near_type_{i} AND n.search_text = :near_label_{i}
                     AND n.start_ms <= m.end_ms + :within_ms AND n.end_ms >= m.start_ms - :within_ms)"""


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _hits(query: SearchQuery) -> tuple[str, dict[str, Any]]:
    """The SQL of every moment the query finds, as (id, score), and its parameters."""
    where, params = _filters(query)
    common = "".join(f" AND {condition}" for condition in where)
    if query.q is None:
        params["types"] = sorted(t.value for t in query.types)
        return UNMATCHED + common, params
    qn, grams = normalise(query.q), trigrams(query.q)
    # Candidates share a trigram inside a word (a word's first letter padded, `  b`, is shared by too
    # many texts to narrow anything down); the exact shares are then counted on those alone.
    inner = [g for g in grams if not g.startswith("  ")] or grams
    params.update(q=query.q, qn=qn, q_like=f"%{_escape_like(qn)}%", qt=grams, qt_n=len(grams), qt_inner=inner)
    branches = []
    if MomentType.TRANSCRIPT in query.types:
        branches.append(SPEECH + common)
    if MomentType.OCR in query.types and grams:
        branches.append(ON_SCREEN + common)
    if labelled := sorted(t.value for t in query.types & LABEL_TYPES):
        params["label_types"] = labelled
        branches.append(LABELLED + common)
    if not branches:
        return "SELECT NULL::bigint AS id, NULL::real AS score WHERE false", params
    return " UNION ALL ".join(f"({branch})" for branch in branches), params


def _filters(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {"within_ms": query.within_ms}
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
    if query.person_id is not None:
        where.append(WITH_PERSON)
        params["person_id"] = query.person_id
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
        person_id=row.person_id,
        box=None if row.person_id is None else (round(row.x1, 1), round(row.y1, 1), round(row.x2, 1), round(row.y2, 1)),
    )


class SqlMomentSearch:
    """Moments found, counted and stepped through, straight from PostgreSQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def search(self, query: SearchQuery) -> Page[SearchHit]:
        hits, params = _hits(query)
        order = RELEVANCE if query.sort is SearchSort.RELEVANCE else LIBRARY
        rows_sql = PAGE.format(
            hits=hits,
            headline=HEADLINE if query.q is not None else "NULL",
            beyond="",
            order=order,
            outer_order=order,
        )
        count_sql = f"WITH hits AS ({hits}) SELECT count(*) FROM hits"

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
        hits, params = _hits(query)
        params.update(anchor_video=video_id, at_ms=at_ms, limit=1, offset=0)
        anchor = ", ".join(f"(SELECT {key} FROM videos WHERE id = :anchor_video)" for key in ("root", "path"))
        step, direction = (">", "ASC") if forward else ("<", "DESC")
        order = ", ".join(f"{key} {direction}" for key in ("v.root", "v.path", "m.start_ms", "m.id"))
        outer = ", ".join(f"{key} {direction}" for key in ("root", "path", "start_ms", "id"))
        headline = HEADLINE if query.q is not None else "NULL"
        beyond = f"WHERE (v.root, v.path, m.start_ms) {step} ({anchor}, :at_ms)"
        after = PAGE.format(hits=hits, headline=headline, beyond=beyond, order=order, outer_order=outer)
        first = PAGE.format(hits=hits, headline=headline, beyond="", order=order, outer_order=outer)
        async with self._sessions() as session:
            row = (await session.execute(text(after), params)).first()
            if row is not None:
                return Jump(_hit(row, query.q), wrapped=False)
            row = (await session.execute(text(first), params)).first()
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
