"""Speakers: who speaks across the library, as transcript turns grouped by voice."""

from uuid import UUID

from fastapi import APIRouter, Depends

from framewise.domain.errors import SpeakerNotFound
from framewise_api.dependencies import (
    ListPaging,
    SpeakerMergerDep,
    SpeakerPersonAccepterDep,
    SpeakerRenamerDep,
    Speakers,
)
from framewise_api.problems import errors
from framewise_api.routers.persons import NamePrefix, Signer
from framewise_api.schemas.names import NameIn
from framewise_api.schemas.speakers import (
    AcceptIn,
    SpeakerAppearanceOut,
    SpeakerAppearancePage,
    SpeakerMergedOut,
    SpeakerMergeIn,
    SpeakerOut,
    SpeakerPage,
)
from framewise_api.security import require_caller

router = APIRouter(
    prefix="/api/v1/speakers", tags=["speakers"], dependencies=[Depends(require_caller)], responses=errors(503)
)


@router.get("")
async def list_speakers(page: ListPaging, speakers: Speakers, q: NamePrefix = None) -> SpeakerPage:
    """The speakers of the library, named ones first, then by how many turns they have; `q` keeps
    those whose name starts with it."""
    found = await speakers.list_speakers(q, page.limit, page.offset)
    return SpeakerPage.converted(found, SpeakerOut.of)


@router.get("/{speaker_id}", responses=errors(404))
async def get_speaker(speaker_id: UUID, speakers: Speakers) -> SpeakerOut:
    """One speaker, with a suggestion when one person's face is on screen, again and again, while
    they talk (at least 3 of their turns, and at least half of those that show any face)."""
    found = await speakers.find_speaker(speaker_id)
    if found is None:
        raise SpeakerNotFound(speaker_id)
    return SpeakerOut.of(found)


@router.put("/{speaker_id}", responses=errors(404))
async def name_speaker(speaker_id: UUID, body: NameIn, renamer: SpeakerRenamerDep, speakers: Speakers) -> SpeakerOut:
    """Name the speaker (or, with null, take the name away): captions and search say it."""
    await renamer.execute(speaker_id, body.name)
    return await get_speaker(speaker_id, speakers)


@router.post("/{speaker_id}/merge", responses=errors(404))
async def merge_speakers(
    speaker_id: UUID, body: SpeakerMergeIn, merger: SpeakerMergerDep, speakers: Speakers
) -> SpeakerMergedOut:
    """The listed speakers are this one: their turns join it, and they go. All or nothing: an
    unknown id is a 404 and changes nothing."""
    moved = await merger.execute(speaker_id, body.speaker_ids)
    return SpeakerMergedOut(speaker=await get_speaker(speaker_id, speakers), segments_moved=moved)


@router.post("/{speaker_id}/accept", responses=errors(404))
async def accept_person(
    speaker_id: UUID, body: AcceptIn, accepter: SpeakerPersonAccepterDep, speakers: Speakers
) -> SpeakerOut:
    """The speaker is this person: linked, and named after them when the speaker has no name."""
    await accepter.execute(speaker_id, body.person_id)
    return await get_speaker(speaker_id, speakers)


@router.get("/{speaker_id}/appearances", responses=errors(404))
async def list_appearances(
    speaker_id: UUID, page: ListPaging, speakers: Speakers, signer: Signer
) -> SpeakerAppearancePage:
    """Where the speaker speaks, in library order (video path, then time), with what they say and a
    stream link that starts there."""
    found = await speakers.appearances(speaker_id, page.limit, page.offset)
    return SpeakerAppearancePage.converted(found, lambda a: SpeakerAppearanceOut.of(a, signer))
