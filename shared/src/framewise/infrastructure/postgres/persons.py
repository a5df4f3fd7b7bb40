"""Faces and persons in PostgreSQL, nearest faces by pgvector's HNSW index (euclidean distance)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from framewise.application.results import FaceShown, Page, PersonAppearance, PersonSummary
from framewise.domain.errors import FaceNotFound, PersonNotFound
from framewise.domain.faces import REJECTED_DISTANCE, FaceTrack, Neighbour
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.moments import normalise, trigrams
from framewise.domain.payloads import MomentType
from framewise.infrastructure.postgres.mapping import MOMENT_COLUMNS
from framewise.infrastructure.postgres.tables import faces, moments, person_refusals, persons, videos

GROUPING_LOCK = 0x46_41_43_45  # pg_advisory_xact_lock key of face grouping ("FACE")


def vector_text(values: Sequence[float]) -> str:
    """pgvector's text form, as a parameter cast to vector by the statement."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


def _parse(value: Any) -> tuple[float, ...]:
    if isinstance(value, str):
        return tuple(float(v) for v in value.strip("[]").split(","))
    return tuple(float(v) for v in value)


async def named_moments(
    session: AsyncSession,
    source: Table,
    link: str,
    moment_type: MomentType,
    which: ColumnElement[bool],
    name: str | None,
    extra: tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]],
) -> None:
    """The moments of `moment_type` of the `source` rows (faces, voices) `which` selects, linked by
    the moments' column `link`, become those of `name`, one per row (none: none). `extra` gives
    each moment's confidence, best_ms and count."""
    chosen = select(source.c.id).where(which)
    await session.execute(
        delete(moments).where(moments.c[link].in_(chosen), moments.c.moment_type == moment_type.value)
    )
    if name is None:
        return
    rows = select(
        source.c.video_id,
        source.c.task_id,
        source.c.run_id,
        literal(moment_type.value),
        literal(name),
        literal(normalise(name)),
        literal(trigrams(name), ARRAY(Text)),
        source.c.start_ms,
        source.c.end_ms,
        *extra,
        source.c.id,
    ).where(which)
    await session.execute(insert(moments).from_select([*MOMENT_COLUMNS, link], rows))


def name_starts(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """The name begins with `prefix`, any case (on the `lower(name) text_pattern_ops` index)."""
    escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(escaped + "%", escape="\\")


def _shown(row: Any) -> FaceShown:
    return FaceShown(VideoId(row.video_id), int(row.best_ms), (row.x1, row.y1, row.x2, row.y2))


class SqlPersonRepository:
    """Every change keeps the person moments in step: a named person's faces are moments of type
    `person` labelled with the name; an unnamed person's are none."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _moments(self, which: ColumnElement[bool], name: str | None) -> None:
        """The person moments of the faces `which` selects become those of `name` (none: none)."""
        extra = (faces.c.confidence, faces.c.best_ms, faces.c.count)
        await named_moments(self._session, faces, "face_id", MomentType.PERSON, which, name, extra)

    async def _name(self, person_id: UUID) -> str | None:
        name: str | None = await self._session.scalar(select(persons.c.name).where(persons.c.id == person_id))
        return name

    async def lock(self) -> None:
        await self._session.execute(select(func.pg_advisory_xact_lock(GROUPING_LOCK)))

    async def neighbours(self, descriptor: Sequence[float], limit: int) -> list[Neighbour]:
        # The HNSW index answers ORDER BY distance LIMIT k; ungrouped faces are filtered after it,
        # so the search looks a little wider than asked.
        statement = text(
            "SELECT person_id, distance FROM ("
            "  SELECT person_id, descriptor <-> CAST(:d AS vector) AS distance FROM faces"
            "  ORDER BY descriptor <-> CAST(:d AS vector) LIMIT :wider"
            ") nearest WHERE person_id IS NOT NULL ORDER BY distance LIMIT :k"
        )
        rows = await self._session.execute(statement, {"d": vector_text(descriptor), "k": limit, "wider": limit * 4})
        return [Neighbour(UUID(str(r.person_id)), float(r.distance)) for r in rows]

    async def refusing(self, descriptor: Sequence[float]) -> set[UUID]:
        statement = text(
            "SELECT DISTINCT person_id FROM person_refusals WHERE descriptor <-> CAST(:d AS vector) <= :within"
        )
        rows = await self._session.execute(statement, {"d": vector_text(descriptor), "within": REJECTED_DISTANCE})
        return {UUID(str(r.person_id)) for r in rows}

    async def create(self, now: datetime) -> UUID:
        person_id = uuid4()
        await self._session.execute(insert(persons).values(id=person_id, name=None, created_at=now))
        return person_id

    async def add_face(
        self, video_id: VideoId, task_id: TaskId, run_id: str, track: FaceTrack, person_id: UUID | None
    ) -> UUID:
        face_id = uuid4()
        x1, y1, x2, y2 = track.box
        await self._session.execute(
            insert(faces).values(
                id=face_id,
                video_id=video_id,
                task_id=task_id,
                run_id=run_id,
                person_id=person_id,
                start_ms=track.start_ms,
                end_ms=track.end_ms,
                best_ms=track.best_ms,
                x1=x1,
                y1=y1,
                x2=x2,
                y2=y2,
                confidence=track.confidence,
                count=track.count,
                descriptor=list(track.descriptor),
            )
        )
        if person_id is not None and (name := await self._name(person_id)) is not None:
            await self._moments(faces.c.id == face_id, name)
        return face_id

    async def ungrouped(self, limit: int) -> list[tuple[UUID, tuple[float, ...]]]:
        statement = (
            select(faces.c.id, faces.c.descriptor)
            .join(videos, videos.c.id == faces.c.video_id)
            .where(faces.c.person_id.is_(None))
            .order_by(videos.c.discovered_at, videos.c.id, faces.c.start_ms, faces.c.id)
            .limit(limit)
        )
        return [(UUID(str(r.id)), _parse(r.descriptor)) for r in await self._session.execute(statement)]

    async def ungrouped_count(self) -> int:
        return int(await self._session.scalar(select(func.count()).where(faces.c.person_id.is_(None))) or 0)

    async def assign(self, face_id: UUID, person_id: UUID) -> None:
        await self._session.execute(update(faces).where(faces.c.id == face_id).values(person_id=person_id))
        await self._moments(faces.c.id == face_id, await self._name(person_id))

    async def get(self, person_id: UUID, *, for_update: bool = False) -> str | None:
        statement = select(persons.c.name).where(persons.c.id == person_id)
        row = (await self._session.execute(statement.with_for_update() if for_update else statement)).first()
        if row is None:
            raise PersonNotFound(person_id)
        name: str | None = row.name
        return name

    async def rename(self, person_id: UUID, name: str | None) -> None:
        await self._session.execute(update(persons).where(persons.c.id == person_id).values(name=name))
        await self._moments(faces.c.person_id == person_id, name)

    async def dissolve(self, person_id: UUID) -> int:
        await self._moments(faces.c.person_id == person_id, None)
        moved = await self._session.execute(
            update(faces).where(faces.c.person_id == person_id).values(person_id=None, pinned=False)
        )
        await self._session.execute(delete(persons).where(persons.c.id == person_id))
        return int(moved.rowcount)  # type: ignore[attr-defined]

    async def merge(self, into: UUID, others: Sequence[UUID]) -> int:
        moved = await self._session.execute(
            update(faces).where(faces.c.person_id.in_(others)).values(person_id=into, pinned=True)
        )
        await self._session.execute(
            update(person_refusals).where(person_refusals.c.person_id.in_(others)).values(person_id=into)
        )
        await self._session.execute(delete(persons).where(persons.c.id.in_(others)))
        await self._moments(faces.c.person_id == into, await self._name(into))
        return int(moved.rowcount)  # type: ignore[attr-defined]

    async def refuse(self, person_id: UUID, face_id: UUID, now: datetime) -> UUID:
        statement = select(faces.c.descriptor).where(faces.c.id == face_id, faces.c.person_id == person_id)
        row = (await self._session.execute(statement.with_for_update())).first()
        if row is None:
            raise FaceNotFound(face_id, person_id)
        await self._session.execute(
            insert(person_refusals).values(person_id=person_id, descriptor=row.descriptor, created_at=now)
        )
        new_person = await self.create(now)
        await self._session.execute(
            update(faces).where(faces.c.id == face_id).values(person_id=new_person, pinned=True)
        )
        await self._moments(faces.c.id == face_id, None)  # the new person has no name yet
        return new_person

    async def release(self) -> int:
        unnamed = select(persons.c.id).where(persons.c.name.is_(None))
        released = await self._session.execute(
            update(faces).where(faces.c.person_id.in_(unnamed), faces.c.pinned.is_(False)).values(person_id=None)
        )
        await self.prune()
        return int(released.rowcount)  # type: ignore[attr-defined]

    async def prune(self) -> int:
        faceless = ~exists().where(faces.c.person_id == persons.c.id)
        gone = await self._session.execute(delete(persons).where(faceless))
        return int(gone.rowcount)  # type: ignore[attr-defined]


class SqlPersonQueries:
    """The People page's reads, each one short statement."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @staticmethod
    def _counts() -> Any:
        """Faces and videos of each person."""
        return (
            select(
                faces.c.person_id,
                func.count().label("faces"),
                func.count(faces.c.video_id.distinct()).label("videos"),
            )
            .where(faces.c.person_id.is_not(None))
            .group_by(faces.c.person_id)
            .subquery()
        )

    async def list_persons(self, name_prefix: str | None, limit: int, offset: int) -> Page[PersonSummary]:
        # Each person's faces counted on the (person_id, ...) index, the page cut, and only then the
        # page's videos counted: an aggregate over every face of the library would cost each request.
        conditions = [] if not name_prefix else [name_starts(persons.c.name, name_prefix)]
        faces_of = (
            select(func.count()).select_from(faces).where(faces.c.person_id == persons.c.id).scalar_subquery()
        ).label("faces")
        rows = (
            select(persons.c.id, persons.c.name, faces_of)
            .where(*conditions)
            .order_by(persons.c.name.is_(None), faces_of.desc(), persons.c.id)
            .limit(limit)
            .offset(offset)
        )
        total = select(func.count()).select_from(persons).where(*conditions)
        async with self._sessions() as session:
            found = list(await session.execute(rows))
            count = int(await session.scalar(total) or 0)
            page = [UUID(str(r.id)) for r in found]
            videos = await self._videos(session, page)
            best = await self._best(session, page)
        items = [
            PersonSummary(
                id=UUID(str(r.id)),
                name=r.name,
                faces=int(r.faces),
                videos=videos.get(UUID(str(r.id)), 0),
                best=best.get(UUID(str(r.id))),
            )
            for r in found
        ]
        return Page(items=items, total=count, limit=limit, offset=offset)

    async def _videos(self, session: AsyncSession, person_ids: list[UUID]) -> dict[UUID, int]:
        if not person_ids:
            return {}
        statement = (
            select(faces.c.person_id, func.count(faces.c.video_id.distinct()))
            .where(faces.c.person_id.in_(person_ids))
            .group_by(faces.c.person_id)
        )
        return {UUID(str(p)): int(n) for p, n in await session.execute(statement)}

    async def find_person(self, person_id: UUID) -> PersonSummary | None:
        counts = self._counts()
        statement = (
            select(persons.c.id, persons.c.name, func.coalesce(counts.c.faces, 0).label("faces"))
            .add_columns(func.coalesce(counts.c.videos, 0).label("videos"))
            .outerjoin(counts, counts.c.person_id == persons.c.id)
            .where(persons.c.id == person_id)
        )
        async with self._sessions() as session:
            row = (await session.execute(statement)).first()
            if row is None:
                return None
            best = await self._best(session, [person_id])
        return _summary(row, best.get(person_id))

    async def _best(self, session: AsyncSession, person_ids: list[UUID]) -> dict[UUID, FaceShown]:
        """Each person's most confident face (then the largest), one row each."""
        if not person_ids:
            return {}
        statement = (
            select(faces.c.person_id, faces.c.video_id, faces.c.best_ms, faces.c.x1, faces.c.y1, faces.c.x2)
            .add_columns(faces.c.y2)
            .where(faces.c.person_id.in_(person_ids))
            .ext(distinct_on(faces.c.person_id))
            .order_by(
                faces.c.person_id,
                faces.c.confidence.desc(),
                ((faces.c.x2 - faces.c.x1) * (faces.c.y2 - faces.c.y1)).desc(),
                faces.c.id,
            )
        )
        return {UUID(str(r.person_id)): _shown(r) for r in await session.execute(statement)}

    async def appearances(self, person_id: UUID, limit: int, offset: int) -> Page[PersonAppearance]:
        where = and_(faces.c.person_id == person_id)
        rows = (
            select(faces, videos.c.path.label("video_path"))
            .join(videos, videos.c.id == faces.c.video_id)
            .where(where)
            .order_by(videos.c.path, videos.c.id, faces.c.start_ms, faces.c.id)
            .limit(limit)
            .offset(offset)
        )
        total = select(func.count()).select_from(faces).where(where)
        known = select(literal(1)).select_from(persons).where(persons.c.id == person_id)
        async with self._sessions() as session:
            if (await session.execute(known)).first() is None:
                raise PersonNotFound(person_id)
            found = list(await session.execute(rows))
            count = int(await session.scalar(total) or 0)
        items = [
            PersonAppearance(
                face_id=UUID(str(r.id)),
                video_id=VideoId(r.video_id),
                video_path=r.video_path,
                start_ms=int(r.start_ms),
                end_ms=int(r.end_ms),
                shown=_shown(r),
            )
            for r in found
        ]
        return Page(items=items, total=count, limit=limit, offset=offset)


def _summary(row: Row[Any], best: FaceShown | None) -> PersonSummary:
    return PersonSummary(id=UUID(str(row.id)), name=row.name, faces=int(row.faces), videos=int(row.videos), best=best)
