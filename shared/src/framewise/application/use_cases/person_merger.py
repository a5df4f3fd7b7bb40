from collections.abc import Sequence
from uuid import UUID

from framewise.application.ports import UnitOfWork
from framewise.domain.errors import PersonChangeRefused


class PersonMerger:
    """The others are the same person as `into`: their faces move to it (and stay there through
    re-grouping), so do the faces people refused them; the others go. `into` keeps its name, or
    takes the first other's name when it has none. `PersonNotFound` for any unknown id (nothing
    changes then); `PersonChangeRefused` for an empty list or `into` among the others."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, into: UUID, others: Sequence[UUID]) -> int:
        merged = list(dict.fromkeys(others))
        if not merged:
            raise PersonChangeRefused("person_ids must name at least one person to merge")
        if into in merged:
            raise PersonChangeRefused(f"person {into} cannot be merged into itself")
        async with self._uow:
            await self._uow.persons.lock()
            name = await self._uow.persons.get(into, for_update=True)
            names = [await self._uow.persons.get(other, for_update=True) for other in merged]
            moved = await self._uow.persons.merge(into, merged)
            if name is None and (given := next((n for n in names if n is not None), None)) is not None:
                await self._uow.persons.rename(into, given)
            await self._uow.commit()
        return moved
