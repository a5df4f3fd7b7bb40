from uuid import UUID

from framewise.application.ports import UnitOfWork


class SpeakerPersonAccepter:
    """The speaker is this person (a suggestion accepted, or people's own word): the speaker keeps
    the link, and takes the person's name when it has none. `SpeakerNotFound`, `PersonNotFound`."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, speaker_id: UUID, person_id: UUID) -> None:
        async with self._uow:
            name = await self._uow.speakers.get(speaker_id, for_update=True)
            person_name = await self._uow.persons.get(person_id)
            await self._uow.speakers.link_person(speaker_id, person_id)
            if name is None and person_name is not None:
                await self._uow.speakers.rename(speaker_id, person_name)
            await self._uow.commit()
