from uuid import UUID

from framewise.application.face_grouping import person_for
from framewise.application.ports import Clock, RegroupProgress, UnitOfWork
from framewise.application.results import Regrouped

BATCH = 500  # faces placed per transaction: the grouping lock is held ~3-4 s at a time, not for the whole run


class PersonRegrouper:
    """Group the library's faces again, keeping what people decided: named persons keep their
    faces, faces people placed (merges, "not this person") stay where they are, refusals still
    hold; every other face (those of unnamed persons, and those of forgotten persons) is placed
    again, in library order, as a new face would be.

    Runs on a CPU worker, in short transactions: first the release, then a batch of faces at a
    time, so new videos' faces are placed in between. A run cut short leaves the faces it did not
    reach in no person, and the next run (arq's retry of the job) places them."""

    def __init__(self, uow: UnitOfWork, clock: Clock, progress: RegroupProgress, batch: int = BATCH) -> None:
        self._uow, self._clock, self._progress, self._batch = uow, clock, progress, batch

    async def execute(self) -> Regrouped:
        async with self._uow:
            await self._uow.persons.lock()
            await self._uow.persons.release()
            total = await self._uow.persons.ungrouped_count()
            await self._uow.commit()
        placed, landed = 0, set[UUID]()
        await self._progress.started(total, self._clock.now())
        while faces := await self._place_batch(landed):
            placed += faces
            await self._progress.placed(placed, max(total, placed))
        done = Regrouped(faces=placed, persons=len(landed))
        await self._progress.finished(done, self._clock.now())
        return done

    async def _place_batch(self, landed: set[UUID]) -> int:
        now = self._clock.now()
        async with self._uow:
            persons = self._uow.persons
            await persons.lock()
            faces = await persons.ungrouped(self._batch)
            if not faces:
                return 0
            for face_id, descriptor in faces:
                person = await person_for(persons, descriptor, now)
                await persons.assign(face_id, person)
                landed.add(person)
            await self._uow.commit()
        return len(faces)
