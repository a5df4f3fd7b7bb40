from uuid import UUID

from framewise.application.ports import Clock, UnitOfWork


class PersonFaceRefuser:
    """`Not this person`: the face moves to a new person of its own, and neither it nor any face
    that looks like it (after a re-index, in another video) is put back into this one. Returns the
    new person's id. `PersonNotFound`, `FaceNotFound` (the face is not this person's)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, person_id: UUID, face_id: UUID) -> UUID:
        async with self._uow:
            await self._uow.persons.lock()
            await self._uow.persons.get(person_id, for_update=True)
            new_person = await self._uow.persons.refuse(person_id, face_id, self._clock.now())
            await self._uow.persons.prune()  # its only face taken away: the person goes
            await self._uow.commit()
        return new_person
