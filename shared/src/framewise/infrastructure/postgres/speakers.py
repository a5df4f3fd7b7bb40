"""Voices and speakers in PostgreSQL, nearest voices by pgvector's HNSW index (cosine distance)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import REAL, ColumnElement, and_, delete, exists, func, insert, literal, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.application.results import Page, SpeakerAppearance, SpeakerSuggestion, SpeakerSummary
from framewise.domain.errors import SpeakerNotFound
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.payloads import MomentType
from framewise.domain.voices import SUGGEST_SHARE, SUGGEST_TURNS, VoiceTurn
from framewise.infrastructure.postgres.persons import name_starts, named_moments, vector_text
from framewise.infrastructure.postgres.tables import moments, speakers, videos, voices

GROUPING_LOCK = 0x56_4F_49_43  # pg_advisory_xact_lock key of voice grouping ("VOIC")
# The HNSW search's candidate list (pgvector's default 40). One speaker's turns lie so close
# together that the graph's links fill up inside each speaker: at 100,000 turns in 2,000 speakers,
# the default found a known voice's own speaker for 279 of 300 new turns (the others started a new
# speaker), 100 for 296, 200 for 299, 300 and 400 for all 300 (bench/bench_speakers.py's library;
# 1-7 ms a search on a shared 2-core machine). 400 leaves a margin for speakers with more turns.
EF_SEARCH = 400

# The person whose faces show during the speaker's turns, again and again: of the speaker's turns
# that overlap any face track, those each person's faces overlap; the person with the most, when
# they are at least SUGGEST_TURNS and at least SUGGEST_SHARE of those turns. One statement, on the
# voices' (speaker_id, ...) index and the faces' (video_id, start_ms) index.
SUGGESTION = text(
    "WITH turns AS (SELECT id, video_id, start_ms, end_ms FROM voices WHERE speaker_id = :speaker),"
    " seen AS (SELECT DISTINCT t.id AS turn, f.person_id FROM turns t"
    "   JOIN faces f ON f.video_id = t.video_id AND f.start_ms < t.end_ms AND f.end_ms > t.start_ms),"
    " faced AS (SELECT count(DISTINCT turn) AS n FROM seen)"
    " SELECT s.person_id, p.name, count(*) AS turns FROM seen s"
    "   JOIN persons p ON p.id = s.person_id CROSS JOIN faced"
    " GROUP BY s.person_id, p.name, faced.n"
    " HAVING count(*) >= :least AND count(*) >= CAST(:share AS double precision) * faced.n"
    " ORDER BY turns DESC, s.person_id LIMIT 1"
)


class SqlSpeakerRepository:
    """Every change keeps the speaker moments in step: a named speaker's turns are moments of type
    `speaker` labelled with the name; an unnamed speaker's are none."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _moments(self, which: ColumnElement[bool], name: str | None) -> None:
        extra = (literal(None, REAL), voices.c.start_ms, literal(1))
        await named_moments(self._session, voices, "voice_id", MomentType.SPEAKER, which, name, extra)

    async def lock(self) -> None:
        await self._session.execute(select(func.pg_advisory_xact_lock(GROUPING_LOCK)))

    async def neighbours(self, voice: Sequence[float], limit: int) -> list[tuple[UUID, float]]:
        await self._session.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
        statement = text(
            "SELECT speaker_id, distance FROM ("
            "  SELECT speaker_id, descriptor <=> CAST(:d AS vector) AS distance FROM voices"
            "  ORDER BY descriptor <=> CAST(:d AS vector) LIMIT :wider"
            ") nearest WHERE speaker_id IS NOT NULL ORDER BY distance LIMIT :k"
        )
        rows = await self._session.execute(statement, {"d": vector_text(voice), "k": limit, "wider": limit * 4})
        return [(UUID(str(r.speaker_id)), float(r.distance)) for r in rows]

    async def create(self, now: datetime) -> UUID:
        speaker_id = uuid4()
        await self._session.execute(insert(speakers).values(id=speaker_id, name=None, created_at=now))
        return speaker_id

    async def add_voice(
        self, video_id: VideoId, task_id: TaskId, run_id: str, turn: VoiceTurn, speaker_id: UUID
    ) -> UUID:
        voice_id = uuid4()
        await self._session.execute(
            insert(voices).values(
                id=voice_id,
                video_id=video_id,
                task_id=task_id,
                run_id=run_id,
                speaker_id=speaker_id,
                start_ms=turn.start_ms,
                end_ms=turn.end_ms,
                descriptor=list(turn.voice),
            )
        )
        if (name := await self._name(speaker_id)) is not None:
            await self._moments(voices.c.id == voice_id, name)
        return voice_id

    async def link_moments(self, run_id: str) -> None:
        await self._session.execute(
            update(moments)
            .where(
                moments.c.run_id == run_id,
                moments.c.moment_type == MomentType.TRANSCRIPT.value,
                voices.c.run_id == run_id,
                voices.c.start_ms == moments.c.start_ms,
                voices.c.end_ms == moments.c.end_ms,
            )
            .values(voice_id=voices.c.id)
        )

    async def _name(self, speaker_id: UUID) -> str | None:
        name: str | None = await self._session.scalar(select(speakers.c.name).where(speakers.c.id == speaker_id))
        return name

    async def get(self, speaker_id: UUID, *, for_update: bool = False) -> str | None:
        statement = select(speakers.c.name).where(speakers.c.id == speaker_id)
        row = (await self._session.execute(statement.with_for_update() if for_update else statement)).first()
        if row is None:
            raise SpeakerNotFound(speaker_id)
        name: str | None = row.name
        return name

    async def rename(self, speaker_id: UUID, name: str | None) -> None:
        await self._session.execute(update(speakers).where(speakers.c.id == speaker_id).values(name=name))
        await self._moments(voices.c.speaker_id == speaker_id, name)

    async def merge(self, into: UUID, others: Sequence[UUID]) -> int:
        moved = await self._session.execute(
            update(voices).where(voices.c.speaker_id.in_(others)).values(speaker_id=into, pinned=True)
        )
        await self._session.execute(delete(speakers).where(speakers.c.id.in_(others)))
        await self._moments(voices.c.speaker_id == into, await self._name(into))
        return int(moved.rowcount)  # type: ignore[attr-defined]

    async def link_person(self, speaker_id: UUID, person_id: UUID) -> None:
        await self._session.execute(update(speakers).where(speakers.c.id == speaker_id).values(person_id=person_id))

    async def prune(self) -> int:
        voiceless = ~exists().where(voices.c.speaker_id == speakers.c.id)
        gone = await self._session.execute(delete(speakers).where(voiceless))
        return int(gone.rowcount)  # type: ignore[attr-defined]


class SqlSpeakerQueries:
    """The speakers' reads, each one short statement."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list_speakers(self, name_prefix: str | None, limit: int, offset: int) -> Page[SpeakerSummary]:
        # The turns of every speaker (of those a name prefix keeps) counted in one pass over the
        # (speaker_id, ...) index, the page cut, and only then the page's videos counted. One
        # aggregate beat a count per speaker: 35 against 83 ms at 100,000 turns in 2,000 speakers
        # freshly written, 10 against 13 ms once vacuumed (docs/benchmarks.md, Speakers).
        conditions = [] if not name_prefix else [name_starts(speakers.c.name, name_prefix)]
        counted = voices.c.speaker_id.in_(select(speakers.c.id).where(*conditions)) if conditions else true()
        counts = (
            select(voices.c.speaker_id, func.count().label("n"))
            .where(voices.c.speaker_id.is_not(None), counted)
            .group_by(voices.c.speaker_id)
            .subquery()
        )
        turns_of = func.coalesce(counts.c.n, 0).label("segments")
        rows = (
            select(speakers.c.id, speakers.c.name, speakers.c.number, speakers.c.person_id, turns_of)
            .outerjoin(counts, counts.c.speaker_id == speakers.c.id)
            .where(*conditions)
            .order_by(speakers.c.name.is_(None), turns_of.desc(), speakers.c.number)
            .limit(limit)
            .offset(offset)
        )
        total = select(func.count()).select_from(speakers).where(*conditions)
        async with self._sessions() as session:
            found = list(await session.execute(rows))
            count = int(await session.scalar(total) or 0)
            videos_of = await self._videos(session, [UUID(str(r.id)) for r in found])
        items = [_summary(r, videos_of.get(UUID(str(r.id)), 0)) for r in found]
        return Page(items=items, total=count, limit=limit, offset=offset)

    @staticmethod
    async def _videos(session: AsyncSession, speaker_ids: list[UUID]) -> dict[UUID, int]:
        if not speaker_ids:
            return {}
        statement = (
            select(voices.c.speaker_id, func.count(voices.c.video_id.distinct()))
            .where(voices.c.speaker_id.in_(speaker_ids))
            .group_by(voices.c.speaker_id)
        )
        return {UUID(str(s)): int(n) for s, n in await session.execute(statement)}

    async def find_speaker(self, speaker_id: UUID) -> SpeakerSummary | None:
        turns_of = (
            select(func.count()).select_from(voices).where(voices.c.speaker_id == speakers.c.id).scalar_subquery()
        ).label("segments")
        statement = select(speakers.c.id, speakers.c.name, speakers.c.number, speakers.c.person_id, turns_of).where(
            speakers.c.id == speaker_id
        )
        params = {"speaker": speaker_id, "least": SUGGEST_TURNS, "share": SUGGEST_SHARE}
        async with self._sessions() as session:
            row = (await session.execute(statement)).first()
            if row is None:
                return None
            videos_of = await self._videos(session, [speaker_id])
            hint = (await session.execute(SUGGESTION, params)).first()
        suggestion = None if hint is None else SpeakerSuggestion(UUID(str(hint.person_id)), hint.name, int(hint.turns))
        return _summary(row, videos_of.get(speaker_id, 0), suggestion)

    async def appearances(self, speaker_id: UUID, limit: int, offset: int) -> Page[SpeakerAppearance]:
        where = and_(voices.c.speaker_id == speaker_id)
        said = (
            select(moments.c.label)
            .where(moments.c.voice_id == voices.c.id, moments.c.moment_type == MomentType.TRANSCRIPT.value)
            .limit(1)
            .scalar_subquery()
        )
        rows = (
            select(
                voices.c.id, voices.c.video_id, voices.c.start_ms, voices.c.end_ms, videos.c.path, said.label("text")
            )
            .join(videos, videos.c.id == voices.c.video_id)
            .where(where)
            .order_by(videos.c.path, videos.c.id, voices.c.start_ms, voices.c.id)
            .limit(limit)
            .offset(offset)
        )
        total = select(func.count()).select_from(voices).where(where)
        known = select(literal(1)).select_from(speakers).where(speakers.c.id == speaker_id)
        async with self._sessions() as session:
            if (await session.execute(known)).first() is None:
                raise SpeakerNotFound(speaker_id)
            found = list(await session.execute(rows))
            count = int(await session.scalar(total) or 0)
        items = [
            SpeakerAppearance(
                voice_id=UUID(str(r.id)),
                video_id=VideoId(r.video_id),
                video_path=r.path,
                start_ms=int(r.start_ms),
                end_ms=int(r.end_ms),
                text=r.text,
            )
            for r in found
        ]
        return Page(items=items, total=count, limit=limit, offset=offset)


def _summary(row: Any, videos_count: int, suggestion: SpeakerSuggestion | None = None) -> SpeakerSummary:
    return SpeakerSummary(
        id=UUID(str(row.id)),
        name=row.name,
        number=int(row.number),
        segments=int(row.segments),
        videos=videos_count,
        person_id=None if row.person_id is None else UUID(str(row.person_id)),
        suggestion=suggestion,
    )
