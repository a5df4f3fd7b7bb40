"""Persons: who appears across the library, as faces grouped by what they look like."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from framewise.domain.errors import PersonNotFound
from framewise_api.dependencies import (
    ListPaging,
    PersonFaceRefuserDep,
    PersonForgetterDep,
    PersonMergerDep,
    PersonRegroupRequesterDep,
    PersonRenamerDep,
    Persons,
    Regroups,
)
from framewise_api.media_auth import MediaLinks, media_links
from framewise_api.problems import errors
from framewise_api.schemas.names import NameIn
from framewise_api.schemas.persons import (
    AppearanceOut,
    AppearancePage,
    MergedOut,
    MergeIn,
    PersonOut,
    PersonPage,
    RegroupOut,
    RemovedOut,
)
from framewise_api.security import require_caller

router = APIRouter(
    prefix="/api/v1/persons", tags=["persons"], dependencies=[Depends(require_caller)], responses=errors(503)
)
Signer = Annotated[MediaLinks, Depends(media_links)]
NamePrefix = Annotated[
    str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]+$", description="a name's beginning, any case")
]


@router.get("")
async def list_persons(page: ListPaging, persons: Persons, signer: Signer, q: NamePrefix = None) -> PersonPage:
    """The persons of the library, named ones first, then by how many faces they have; `q` keeps
    those whose name starts with it."""
    found = await persons.list_persons(q, page.limit, page.offset)
    return PersonPage.converted(found, lambda p: PersonOut.of(p, signer))


@router.post("/regroup", status_code=202)
async def regroup_persons(requester: PersonRegroupRequesterDep) -> RegroupOut:
    """Group the faces again, keeping people's decisions: named persons keep their faces, merged and
    removed faces stay where people put them; every other face is placed again. A CPU worker does
    it (minutes for a large library); asking while one waits or runs queues no second one. Follow
    it with `GET /api/v1/persons/regroup`."""
    return RegroupOut.of(await requester.execute())


@router.get("/regroup")
async def regroup_status(regroups: Regroups) -> RegroupOut:
    """Whether a re-grouping waits or runs, how far it got, and what the last one did."""
    return RegroupOut.of(await regroups.status())


@router.get("/{person_id}", responses=errors(404))
async def get_person(person_id: UUID, persons: Persons, signer: Signer) -> PersonOut:
    found = await persons.find_person(person_id)
    if found is None:
        raise PersonNotFound(person_id)
    return PersonOut.of(found, signer)


@router.put("/{person_id}", responses=errors(404))
async def name_person(
    person_id: UUID, body: NameIn, renamer: PersonRenamerDep, persons: Persons, signer: Signer
) -> PersonOut:
    """Name the person (or, with null, take the name away)."""
    await renamer.execute(person_id, body.name)
    return await get_person(person_id, persons, signer)


@router.delete("/{person_id}", status_code=204, responses=errors(404))
async def forget_person(person_id: UUID, forgetter: PersonForgetterDep) -> Response:
    """Forget the grouping and its name; the faces stay, in no person until a re-grouping."""
    await forgetter.execute(person_id)
    return Response(status_code=204)


@router.post("/{person_id}/merge", responses=errors(404))
async def merge_persons(
    person_id: UUID, body: MergeIn, merger: PersonMergerDep, persons: Persons, signer: Signer
) -> MergedOut:
    """The listed persons are this one: their faces join it, and they go. All or nothing: an unknown
    id is a 404 and changes nothing."""
    moved = await merger.execute(person_id, body.person_ids)
    return MergedOut(person=await get_person(person_id, persons, signer), faces_moved=moved)


@router.post("/{person_id}/faces/{face_id}/remove", responses=errors(404))
async def remove_face(person_id: UUID, face_id: UUID, refuser: PersonFaceRefuserDep) -> RemovedOut:
    """Not this person: the face moves to a new person of its own and is never put back here."""
    return RemovedOut(new_person_id=await refuser.execute(person_id, face_id))


@router.get("/{person_id}/appearances", responses=errors(404))
async def list_appearances(person_id: UUID, page: ListPaging, persons: Persons, signer: Signer) -> AppearancePage:
    """Where the person appears, in library order (video path, then time), each with a signed
    still and a stream link that starts there."""
    found = await persons.appearances(person_id, page.limit, page.offset)
    return AppearancePage.converted(found, lambda a: AppearanceOut.of(a, signer))
