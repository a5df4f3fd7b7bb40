from uuid import UUID

from framewise.application.ports import UnitOfWork
from framewise.domain.voices import speaker_name


class SpeakerRenamer:
    """Name a speaker, or take its name away (None). The name stays through new videos and re-index,
    as long as the speaker has a turn. `SpeakerNotFound`; `SpeakerChangeRefused` for a bad name."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, speaker_id: UUID, name: str | None) -> None:
        cleaned = speaker_name(name)
        async with self._uow:
            await self._uow.speakers.get(speaker_id, for_update=True)
            await self._uow.speakers.rename(speaker_id, cleaned)
            await self._uow.commit()
