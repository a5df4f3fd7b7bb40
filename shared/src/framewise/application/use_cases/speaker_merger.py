from collections.abc import Sequence
from uuid import UUID

from framewise.application.ports import UnitOfWork
from framewise.domain.errors import SpeakerChangeRefused


class SpeakerMerger:
    """The others are the same speaker as `into`: their turns move to it (and stay there), and the
    others go. `into` keeps its name, or takes the first other's name when it has none.
    `SpeakerNotFound` for any unknown id (nothing changes then); `SpeakerChangeRefused` for an
    empty list or `into` among the others."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, into: UUID, others: Sequence[UUID]) -> int:
        merged = list(dict.fromkeys(others))
        if not merged:
            raise SpeakerChangeRefused("speaker_ids must name at least one speaker to merge")
        if into in merged:
            raise SpeakerChangeRefused(f"speaker {into} cannot be merged into itself")
        async with self._uow:
            await self._uow.speakers.lock()
            name = await self._uow.speakers.get(into, for_update=True)
            names = [await self._uow.speakers.get(other, for_update=True) for other in merged]
            moved = await self._uow.speakers.merge(into, merged)
            if name is None and (given := next((n for n in names if n is not None), None)) is not None:
                await self._uow.speakers.rename(into, given)
            await self._uow.commit()
        return moved
