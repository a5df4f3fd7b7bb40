"""Search over moments in PostgreSQL: full text for speech, each moment in its own language's
configuration (stemmed French for French speech); trigram similarity and substrings for on-screen
text; exact labels for objects, faces, places and scenes; quoted phrases and `-word` everywhere;
close spellings of a word that matches nothing as typed; filters, co-occurrence windows,
library-order jumps and label counts, all on indexes.

A ranked page scores a bounded set of each kind of hit (`CANDIDATES`), never every hit, and `total`
is counted up to `COUNT_CAP` and estimated beyond (the planner's estimate, `total_is_estimate`).
"""

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.application.results import (
    Jump,
    LabelCount,
    LanguageCount,
    MatchKind,
    SearchHit,
    SearchPage,
    SearchQuery,
    SearchSort,
)
from framewise.domain.ids import VideoId
from framewise.domain.languages import CONFIGS, DEFAULT_LANGUAGE, text_search_config
from framewise.domain.moments import MomentType, normalise, trigrams
from framewise.domain.text_query import TextQuery, close_spelling
from framewise.domain.voices import SpeakerRef

CANDIDATES = 1000  # hits of each kind a ranked page scores at most; beyond, any this many found by the index
COUNT_CAP = 10_000  # `total` is counted exactly up to this many hits, estimated beyond
FUZZY_CANDIDATES = 0.2, 100  # words looked at for close spellings: trigram similarity at least, at most
FUZZY_WORDS = 5  # close spellings a misspelt word is widened to, the closest first
FUZZY_LETTERS = 4  # a word shorter than this is not forgiven
SIMILAR, COVERED = 0.3, 0.7  # pg_trgm's default similarity threshold; most of the query's trigrams
MARK_START, MARK_END = "\x02", "\x03"  # ts_headline's markers, turned into <mark> after escaping
# Each kind of text match is its own branch on its own index (full text, trigrams, labels), the
# branches' hits put together (UNION ALL) with how they matched (`tier` 0 as typed, 1 a close
# spelling, ranked below); the page is then ordered and cut, and only its rows get a headline.
SHARED = "(SELECT count(*)::real AS n FROM unnest(m.trigrams) AS g WHERE g = ANY(CAST(:qt AS text[])))"
SIMILARITY = "(s.n / NULLIF(cardinality(m.trigrams) + :qt_n - s.n, 0))"  # as pg_trgm's similarity
COVERAGE = "(s.n / NULLIF(:qt_n, 0))"  # the query's trigrams found, as pg_trgm's word_similarity
SUBSTRING = "m.search_text LIKE :q_like ESCAPE '\\'"
UNMATCHED = (
    "SELECT m.id, COALESCE(m.confidence, 1.0) AS score, 0 AS tier, NULL::text AS match, m.video_id, m.start_ms "
    "FROM moments m WHERE m.moment_type = ANY(:types)"
)
PLACED = ", m.video_id, m.start_ms"  # every hit says where it is, for the page's order
# Labels' and speech's vectors have an index each (migration 0012), each branch naming its predicate.
LABELLED = "m.moment_type NOT IN ('transcript', 'ocr')"
LABEL_TYPES = {
    MomentType.OBJECT,
    MomentType.FACE,
    MomentType.PLACE,
    MomentType.SCENE,
    MomentType.PERSON,
    MomentType.SPEAKER,
}
# `person=<id>`: moments while that person is on screen (one of their faces overlaps, in the same video).
WITH_PERSON = """EXISTS (SELECT 1 FROM faces f
                          WHERE f.person_id = :person_id AND f.video_id = m.video_id
                            AND f.start_ms < m.end_ms AND f.end_ms > m.start_ms)"""
# `speaker=<id>`: that speaker's speech (transcript moments of their turns) and speaker moments.
WITH_SPEAKER = "m.voice_id IN (SELECT w.id FROM voices w WHERE w.speaker_id = :speaker_id)"
PAGE = """
WITH hits AS ({hits})
SELECT p.*, {headline} AS headline FROM (
    SELECT m.id, m.video_id, v.root, v.path, m.moment_type, m.start_ms, m.end_ms, m.label, m.confidence,
           m.run_id, m.best_ms, m.language, m.ts_config::text AS ts_config, h.score, h.tier, h.match,
           f.person_id, f.x1, f.y1, f.x2, f.y2, sp.id AS speaker_id, sp.name AS speaker_name,
           sp.number AS speaker_number
      FROM hits h JOIN moments m ON m.id = h.id JOIN videos v ON v.id = m.video_id
      LEFT JOIN faces f ON f.id = m.face_id
      LEFT JOIN voices vo ON vo.id = m.voice_id LEFT JOIN speakers sp ON sp.id = vo.speaker_id
     {beyond}
     ORDER BY {order} LIMIT :limit OFFSET :offset
) p ORDER BY {outer_order}
"""
HEADLINE_OPTIONS = "'StartSel=\x02, StopSel=\x03, HighlightAll=true'"
RELEVANCE = "tier, score DESC, root, path, start_ms, id"
TOP_RELEVANCE = "c.tier, c.score DESC, v.root, v.path, c.start_ms, c.id"
TOP_LIBRARY = "v.root, v.path, c.start_ms, c.id"
LIBRARY = "root, path, start_ms, id"
NEAR = """EXISTS (SELECT 1 FROM moments n
                   WHERE n.video_id = m.video_id AND n.moment_type = :near_type_{i} AND n.search_text = :near_label_{i}
                     AND n.start_ms <= m.end_ms + :within_ms AND n.end_ms >= m.start_ms - :within_ms)"""
# The languages the library's speech is in, one index probe each (a skip scan of ix_moments_language).
LANGUAGES_PRESENT = """
WITH RECURSIVE l AS (
    (SELECT language FROM moments WHERE language IS NOT NULL ORDER BY language LIMIT 1)
    UNION ALL
    SELECT (SELECT m.language FROM moments m WHERE m.language > l.language ORDER BY m.language LIMIT 1)
      FROM l WHERE l.language IS NOT NULL
)
SELECT language FROM l WHERE language IS NOT NULL"""
KNOWN_WORDS = "SELECT word FROM search_words WHERE word = ANY(CAST(:words AS text[]))"
CLOSE_WORDS = """
SELECT w.word, s.n / (cardinality(w.trigrams) + :qt_n - s.n) AS similarity
  FROM search_words w
 CROSS JOIN LATERAL (SELECT count(*)::real AS n FROM unnest(w.trigrams) AS g WHERE g = ANY(CAST(:qt AS text[]))) s
 WHERE w.trigrams && CAST(:qt_inner AS text[]) AND length(w.word) BETWEEN :shortest AND :longest
   AND s.n / (cardinality(w.trigrams) + :qt_n - s.n) >= :similar
 ORDER BY similarity DESC, w.word LIMIT :close"""


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _words_pattern(words: Sequence[str]) -> str:
    """A POSIX regex (PostgreSQL's) of these words together, in order, as whole words."""
    return "(^|[^[:alnum:]])" + "[^[:alnum:]]+".join(words) + "($|[^[:alnum:]])"


def _inner(grams: list[str]) -> list[str]:
    # Candidates share a trigram inside a word (a word's first letter padded, `  b`, is shared by too
    # many texts to narrow anything down); the exact shares are then counted on those alone.
    return [g for g in grams if not g.startswith("  ")] or grams


class _Statement:
    """The parameters of one statement being written: each value bound once, named in order."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self._names: dict[tuple[type, Any], str] = {}

    def bind(self, value: Any) -> str:
        key = (type(value), tuple(value) if isinstance(value, list) else value)
        if key not in self._names:
            self._names[key] = name = f"b{len(self._names)}"
            self.params[name] = value
        return f":{self._names[key]}"


def _tsquery(
    config: str, terms: TextQuery, sql: _Statement, close: Mapping[str, tuple[str, ...]], *, positive: bool = False
) -> str:
    """`terms` as a tsquery of `config`: every loose word (or one of its close spellings), every
    phrase in order, and (unless `positive`) none of the excluded words or phrases."""
    regconfig = f"'{config}'::regconfig"
    parts = []
    for word in terms.words:
        spellings = [word, *close.get(word, ())]
        parts.append("(" + " || ".join(f"plainto_tsquery({regconfig}, {sql.bind(s)})" for s in spellings) + ")")
    parts += [f"phraseto_tsquery({regconfig}, {sql.bind(' '.join(p))})" for p in terms.phrases]
    if not positive:
        parts += [f"!! phraseto_tsquery({regconfig}, {sql.bind(' '.join(e))})" for e in terms.excluded]
    return "(" + " && ".join(parts) + ")"


def _in_language(configs: Sequence[str], condition: Any) -> str:
    """Speech matched in each moment's own configuration: one arm per configuration present, each
    on the GIN index of `tsv`."""
    return "(" + " OR ".join(f"(m.ts_config = '{c}'::regconfig AND {condition(c)})" for c in configs) + ")"


def _by_language(configs: Sequence[str], value: Any, column: str = "m.ts_config") -> str:
    arms = " ".join(f"WHEN '{c}'::regconfig THEN {value(c)}" for c in configs)
    return f"(CASE {column} {arms} END)"


class _Plan:
    """The SQL of every moment a query finds, as (id, score, tier, match), and its headline."""

    def __init__(
        self,
        query: SearchQuery,
        configs: Sequence[str],
        close: Mapping[str, tuple[str, ...]],
        *,
        bounded: bool,
    ) -> None:
        self.query, self.configs, self.close = query, [c for c in configs if c in CONFIGS], close
        where, params = _filters(query)
        self.common = "".join(f" AND {condition}" for condition in where)
        self.sql = _Statement(params)
        self.limit = f" LIMIT {CANDIDATES}" if bounded else ""
        self.hits = self._hits()

    @property
    def params(self) -> dict[str, Any]:
        return self.sql.params

    def _hits(self) -> str:
        query, terms = self.query, self.query.terms
        if terms is None:
            self.params["types"] = sorted(t.value for t in query.types)
            return UNMATCHED + self.common
        branches = []
        if MomentType.TRANSCRIPT in query.types:
            branches += self._speech(terms)
        if MomentType.OCR in query.types:
            branches += self._on_screen(terms)
        if labelled := sorted(t.value for t in query.types & LABEL_TYPES):
            branches.append(self._labelled(terms, labelled))
        if not branches:
            return (
                "SELECT NULL::bigint AS id, NULL::real AS score, 0 AS tier, NULL::text AS match, "
                "NULL::uuid AS video_id, NULL::bigint AS start_ms WHERE false"
            )
        return " UNION ALL ".join(f"({branch})" for branch in branches)

    def _kind(self, terms: TextQuery) -> str:
        return f"'{MatchKind.PHRASE if terms.phrases else MatchKind.EXACT}'"

    def _speech(self, terms: TextQuery) -> list[str]:
        sql, configs = self.sql, self.configs
        exact = _in_language(configs, lambda c: f"m.tsv @@ {_tsquery(c, terms, sql, {})}")
        score = _by_language(configs, lambda c: f"ts_rank(m.tsv, {_tsquery(c, terms, sql, {})}, 32)")
        branches = [
            f"SELECT m.id, {score} * 2 AS score, 0 AS tier, {self._kind(terms)} AS match{PLACED} FROM moments m "
            f"WHERE m.moment_type = 'transcript' AND {exact}{self.common}{self.limit}"
        ]
        if self.close:
            fuzzy = _in_language(configs, lambda c: f"m.tsv @@ {_tsquery(c, terms, sql, self.close)}")
            score = _by_language(configs, lambda c: f"ts_rank(m.tsv, {_tsquery(c, terms, sql, self.close)}, 32)")
            branches.append(
                f"SELECT m.id, {score} AS score, 1 AS tier, '{MatchKind.FUZZY}' AS match{PLACED} FROM moments m "
                f"WHERE m.moment_type = 'transcript' AND {fuzzy} AND NOT {exact}{self.common}{self.limit}"
            )
        return branches

    def _strict(self, terms: TextQuery) -> str:
        """On-screen text's phrases (its words, in order) and exclusions, as conditions."""
        sql = self.sql
        conditions = [
            f"m.trigrams @> CAST({sql.bind(trigrams(' '.join(p)))} AS text[]) "
            f"AND m.search_text ~ {sql.bind(_words_pattern(p))}"
            for p in terms.phrases
        ]
        conditions += [f"m.search_text !~ {sql.bind(_words_pattern(e))}" for e in terms.excluded]
        return "".join(f" AND {c}" for c in conditions)

    def _on_screen(self, terms: TextQuery) -> list[str]:
        strict = self._strict(terms)
        if not terms.words:
            return [
                f"SELECT m.id, 0.9 AS score, 0 AS tier, '{MatchKind.PHRASE}' AS match{PLACED} FROM moments m "
                f"WHERE m.moment_type = 'ocr'{strict}{self.common}{self.limit}"
            ]
        grams = trigrams(terms.loose)
        if not grams:
            return []
        self.params.update(q_like=f"%{_escape_like(terms.loose)}%", qt=grams, qt_n=len(grams), qt_inner=_inner(grams))
        sql = self.sql
        every = " AND ".join(f"strpos(m.search_text, {sql.bind(w)}) > 0" for w in terms.words)
        matched = (
            f"(m.trigrams && CAST(:qt_inner AS text[]) "
            f"AND ({SUBSTRING} OR ({every}) OR {SIMILARITY} >= {SIMILAR} OR {COVERAGE} >= {COVERED}))"
        )
        candidates = "m.trigrams && CAST(:qt_inner AS text[])"
        for spellings in self.close.values():  # a close spelling of a misspelt word, read on screen
            for spelling in spellings:
                holds = f"m.trigrams @> CAST({sql.bind(trigrams(spelling))} AS text[])"
                candidates += f" OR {holds}"
                matched += f" OR ({holds} AND m.search_text ~ {sql.bind(_words_pattern([spelling]))})"
        return [
            f"SELECT m.id, GREATEST(COALESCE({SIMILARITY}, 0), COALESCE({COVERAGE}, 0) * 0.8, "
            f"CASE WHEN {SUBSTRING} THEN 0.9 ELSE 0 END) AS score, CASE WHEN {every} THEN 0 ELSE 1 END AS tier, "
            f"CASE WHEN {every} THEN {self._kind(terms)} ELSE '{MatchKind.FUZZY}' END AS match{PLACED} "
            f"FROM moments m CROSS JOIN LATERAL {SHARED} AS s "
            f"WHERE m.moment_type = 'ocr' AND ({candidates}) AND ({matched}){strict}{self.common}{self.limit}"
        ]

    def _labelled(self, terms: TextQuery, labelled: list[str]) -> str:
        self.params["label_types"] = labelled
        matched = f"m.tsv @@ {_tsquery('english', terms, self.sql, {})}"
        if not terms.phrases:  # the label as typed, whole
            matched = f"((m.search_text = {self.sql.bind(terms.loose)}{self._strict(terms)}) OR {matched})"
        return (
            f"SELECT m.id, CASE WHEN m.search_text = {self.sql.bind(terms.loose)} THEN 1.0 ELSE 0.6 END AS score, "
            f"0 AS tier, {self._kind(terms)} AS match{PLACED} FROM moments m "
            f"WHERE {LABELLED} AND m.moment_type = ANY(:label_types) AND {matched}{self.common}{self.limit}"
        )

    def headline(self) -> str:
        """Speech's headline, in the moment's configuration, marking what matched (a close spelling too)."""
        terms = self.query.terms
        if terms is None or not self.configs:
            return "NULL"
        sql = self.sql

        def marked(config: str) -> str:
            found = _tsquery(config, terms, sql, self.close, positive=True)
            return f"ts_headline('{config}'::regconfig, p.label, {found}, {HEADLINE_OPTIONS})"

        arms = " ".join(f"WHEN '{c}' THEN {marked(c)}" for c in self.configs)
        return f"CASE WHEN p.moment_type = 'transcript' THEN CASE p.ts_config {arms} END END"


def _filters(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {"within_ms": query.within_ms}
    if query.lang is not None:
        unlabelled = (
            " OR (m.language IS NULL AND m.moment_type = 'transcript')" if query.lang == DEFAULT_LANGUAGE else ""
        )
        where.append(f"(m.language = :lang{unlabelled})")
        params["lang"] = query.lang
    simple = [  # (the value asked for, or None; its condition, which binds it by the name)
        (None if query.label is None else normalise(query.label), "m.search_text = :label", "label"),
        (query.min_confidence, "m.confidence >= :min_confidence", "min_confidence"),
        (query.video_id, "m.video_id = :video_id", "video_id"),
        (query.from_ms, "m.end_ms > :from_ms", "from_ms"),
        (query.to_ms, "m.start_ms < :to_ms", "to_ms"),
        (query.run_id, "m.run_id = :run_id", "run_id"),
        (query.person_id, WITH_PERSON, "person_id"),
        (query.speaker_id, WITH_SPEAKER, "speaker_id"),
    ]
    for value, condition, name in simple:
        if value is not None:
            where.append(condition)
            params[name] = value
    for i, term in enumerate(query.near):
        where.append(NEAR.format(i=i))
        params[f"near_type_{i}"] = term.moment_type.value
        params[f"near_label_{i}"] = normalise(term.label)
    return where, params


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity of two words: the trigrams they share over those either has."""
    first, second = set(trigrams(a)), set(trigrams(b))
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def _spans(label: str, terms: TextQuery, fuzzy: bool) -> list[tuple[int, int]]:
    """Where in the label the query's words and phrases are (or, fuzzy, their close spellings)."""
    folded = label.casefold()
    spans: list[tuple[int, int]] = []
    for phrase in terms.phrases:
        pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, phrase)) + r"(?![^\W_])"
        spans += [m.span() for m in re.finditer(pattern, folded)] if len(folded) == len(label) else []
    if terms.words and len(folded) == len(label):
        whole = re.search(r"[\W_]+".join(map(re.escape, terms.words)), folded)
        if whole:
            spans.append(whole.span())
        else:
            for word in terms.words:
                spans += [m.span() for m in re.finditer(re.escape(word), folded)]
    if fuzzy or (terms.words and not spans):
        for found in re.finditer(r"[^\W_]+", label):
            if any(similarity(found.group(), word) >= SIMILAR for word in terms.words):
                spans.append(found.span())
    return sorted(spans)


def snippet(label: str, headline: str | None, terms: TextQuery | None, match: MatchKind | None = None) -> str:
    """The label, HTML-escaped, with what matched the query in <mark>."""
    if headline and MARK_START in headline:
        escaped = html.escape(headline)
        return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    if terms is None:
        return html.escape(label)
    spans = _spans(label, terms, match is MatchKind.FUZZY)
    if not spans:  # a fuzzy match of the whole text: the whole label is what was found
        return f"<mark>{html.escape(label)}</mark>"
    out, at = [], 0
    for begin, end in spans:
        if end <= at:
            continue
        start = max(begin, at)
        out += [html.escape(label[at:start]), "<mark>", html.escape(label[start:end]), "</mark>"]
        at = end
    return "".join(out) + html.escape(label[at:])


def _hit(row: Any, terms: TextQuery | None) -> SearchHit:
    match = MatchKind(row.match) if row.match else None
    return SearchHit(
        video_id=VideoId(row.video_id),
        root=row.root,
        path=row.path,
        moment_type=MomentType(row.moment_type),
        start_ms=int(row.start_ms),
        end_ms=int(row.end_ms),
        label=row.label,
        snippet=snippet(row.label, row.headline, terms, match),
        score=round(float(row.score), 4),
        confidence=None if row.confidence is None else round(float(row.confidence), 4),
        run_id=row.run_id,
        best_ms=int(row.best_ms),
        person_id=row.person_id,
        box=None if row.person_id is None else (round(row.x1, 1), round(row.y1, 1), round(row.x2, 1), round(row.y2, 1)),
        match=match,
        language=row.language or (DEFAULT_LANGUAGE if row.moment_type == MomentType.TRANSCRIPT else None),
        speaker=None
        if row.speaker_id is None
        else SpeakerRef(row.speaker_id, row.speaker_name, int(row.speaker_number)),
    )


class SqlMomentSearch:
    """Moments found, counted and stepped through, straight from PostgreSQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def _planned(self) -> AsyncIterator[AsyncSession]:
        """A session whose statements are planned for their values each time. asyncpg prepares each
        statement, and after five runs PostgreSQL may keep one generic plan for it, blind to the
        words asked for: a common word's plan then serves a rare one, and a co-occurrence query ran
        9 times slower on it (docs/benchmarks.md)."""
        async with self._sessions() as session:
            await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            yield session

    async def _configs(self, session: AsyncSession, query: SearchQuery) -> list[str]:
        """The configurations speech is matched in: the language asked for, else those present."""
        if query.lang is not None:
            return [text_search_config(query.lang)]
        present = (await session.execute(text(LANGUAGES_PRESENT))).scalars()
        return sorted({text_search_config(DEFAULT_LANGUAGE), *(text_search_config(code) for code in present)})

    async def _close(self, session: AsyncSession, terms: TextQuery | None) -> dict[str, tuple[str, ...]]:
        """The close spellings (in the library's words) of each loose word the library does not hold."""
        if terms is None:
            return {}
        long_enough = [w for w in terms.words if len(w) >= FUZZY_LETTERS]
        if not long_enough:
            return {}
        known = set((await session.execute(text(KNOWN_WORDS), {"words": long_enough})).scalars())
        close: dict[str, tuple[str, ...]] = {}
        for word in (w for w in long_enough if w not in known):
            grams = trigrams(word)
            params = {
                "qt": grams,
                "qt_n": len(grams),
                "qt_inner": _inner(grams),
                "shortest": len(word) - 2,
                "longest": len(word) + 2,
                "similar": FUZZY_CANDIDATES[0],
                "close": FUZZY_CANDIDATES[1],
            }
            rows = (await session.execute(text(CLOSE_WORDS), params)).all()
            found = tuple(r.word for r in rows if close_spelling(word, r.word, r.similarity))[:FUZZY_WORDS]
            if found:
                close[word] = found
        return close

    async def _plan(self, query: SearchQuery, *, bounded: bool) -> _Plan:
        async with self._sessions() as session:
            configs = await self._configs(session, query)
            close = await self._close(session, query.terms)
        return _Plan(query, configs, close, bounded=bounded)

    async def search(self, query: SearchQuery) -> SearchPage:
        ranked = query.sort is SearchSort.RELEVANCE
        plan = await self._plan(query, bounded=ranked)
        counted = _Plan(query, plan.configs, plan.close, bounded=False)
        order = RELEVANCE if ranked else LIBRARY
        # The page's rows are ordered among the hits first (each hit knows its video and start), so
        # only they are read again with their text, face and headline.
        top = (
            f"SELECT c.id, c.score, c.tier, c.match FROM ({plan.hits}) c JOIN videos v ON v.id = c.video_id "
            f"ORDER BY {TOP_RELEVANCE if ranked else TOP_LIBRARY} LIMIT :top"
        )
        rows_sql = PAGE.format(hits=top, headline=plan.headline(), beyond="", order=order, outer_order=order)
        count_sql = f"WITH hits AS ({counted.hits}) SELECT count(*) FROM (SELECT 1 FROM hits LIMIT {COUNT_CAP + 1}) c"

        async def fetch() -> list[SearchHit]:
            async with self._planned() as session:
                params = {
                    **plan.params,
                    "limit": query.limit,
                    "offset": query.offset,
                    "top": query.limit + query.offset,
                }
                return [_hit(row, query.terms) for row in await session.execute(text(rows_sql), params)]

        async def count() -> tuple[int, bool]:
            async with self._planned() as session:
                total = int((await session.execute(text(count_sql), counted.params)).scalar_one())
                if total <= COUNT_CAP:
                    return total, False
                explained = f"EXPLAIN (FORMAT JSON) WITH hits AS ({counted.hits}) SELECT 1 FROM hits"
                plan_json = (await session.execute(text(explained), counted.params)).scalar_one()
                tree = json.loads(plan_json) if isinstance(plan_json, str) else plan_json
                return max(total, int(tree[0]["Plan"]["Plan Rows"])), True

        items, (total, estimated) = await asyncio.gather(fetch(), count())
        return SearchPage(items=items, total=total, limit=query.limit, offset=query.offset, total_is_estimate=estimated)

    async def neighbour(self, query: SearchQuery, video_id: VideoId, at_ms: int, *, forward: bool) -> Jump:
        """The next (or previous) matching moment in library order (root, path, start) after (or
        before) `at_ms` in `video_id`, wrapping around the library's ends."""
        plan = await self._plan(query, bounded=False)
        params = {**plan.params, "anchor_video": video_id, "at_ms": at_ms, "limit": 1, "offset": 0}
        anchor = ", ".join(f"(SELECT {key} FROM videos WHERE id = :anchor_video)" for key in ("root", "path"))
        step, direction = (">", "ASC") if forward else ("<", "DESC")
        order = ", ".join(f"{key} {direction}" for key in ("v.root", "v.path", "m.start_ms", "m.id"))
        outer = ", ".join(f"{key} {direction}" for key in ("root", "path", "start_ms", "id"))
        headline = plan.headline()
        beyond = f"WHERE (v.root, v.path, m.start_ms) {step} ({anchor}, :at_ms)"
        after = PAGE.format(hits=plan.hits, headline=headline, beyond=beyond, order=order, outer_order=outer)
        first = PAGE.format(hits=plan.hits, headline=headline, beyond="", order=order, outer_order=outer)
        async with self._planned() as session:
            row = (await session.execute(text(after), params)).first()
            if row is not None:
                return Jump(_hit(row, query.terms), wrapped=False)
            row = (await session.execute(text(first), params)).first()
        return Jump(_hit(row, query.terms) if row is not None else None, wrapped=row is not None)

    async def languages(self) -> list[LanguageCount]:
        """The languages the library's speech is in, with how many moments each (the most first);
        speech written before languages were kept counts as English."""
        sql = """
SELECT COALESCE(language, :default) AS language, count(*) AS moments FROM moments
 WHERE moment_type = 'transcript' GROUP BY 1 ORDER BY moments DESC, language"""
        async with self._sessions() as session:
            rows = await session.execute(text(sql), {"default": DEFAULT_LANGUAGE})
            return [LanguageCount(r.language, int(r.moments)) for r in rows]

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
