from framewise.application.face_grouping import person_for
from framewise.application.ports import Clock, UnitOfWork
from framewise.application.results import Regrouped


class PersonRegrouper:
    """Group the library's faces again, keeping what people decided: named persons keep their
    faces, faces people placed (merges, "not this person") stay where they are, refusals still
    hold; every other face (those of unnamed persons, and those of forgotten persons) is placed
    again, one at a time in library order, as a new face would be."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self) -> Regrouped:
        now = self._clock.now()
        async with self._uow:
            persons = self._uow.persons
            await persons.lock()
            await persons.release()
            faces = await persons.ungrouped()
            landed = set()
            for face_id, descriptor in faces:
                person = await person_for(persons, descriptor, now)
                await persons.assign(face_id, person)
                landed.add(person)
            await persons.prune()
            await self._uow.commit()
        return Regrouped(faces=len(faces), persons=len(landed))
