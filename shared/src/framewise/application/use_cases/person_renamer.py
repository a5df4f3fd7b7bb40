from uuid import UUID

from framewise.application.ports import UnitOfWork
from framewise.domain.faces import person_name


class PersonRenamer:
    """Name a person, or take its name away (None). The name stays through new videos, re-grouping
    and re-index, as long as the person has a face. `PersonNotFound`; `PersonChangeRefused` for a bad name."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, person_id: UUID, name: str | None) -> None:
        cleaned = person_name(name)
        async with self._uow:
            await self._uow.persons.get(person_id, for_update=True)
            await self._uow.persons.rename(person_id, cleaned)
            await self._uow.commit()
