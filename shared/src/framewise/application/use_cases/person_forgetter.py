from uuid import UUID

from framewise.application.ports import UnitOfWork


class PersonForgetter:
    """Forget a person: the grouping and its name go, never the faces, which wait in no person
    until a re-grouping places them again. `PersonNotFound`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, person_id: UUID) -> int:
        async with self._uow:
            await self._uow.persons.lock()
            await self._uow.persons.get(person_id, for_update=True)
            faces = await self._uow.persons.dissolve(person_id)
            await self._uow.commit()
        return faces
