from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from framewise.application.results import SearchQuery, SearchSort
from framewise.application.use_cases.moment_jumper import JumpFrom
from framewise.domain.errors import InvalidSearch
from framewise.domain.ids import VideoId
from framewise.domain.languages import known_language
from framewise.domain.moments import MomentType, NearTerm
from framewise_api.dependencies import Jumper, Moments, SearchPaging
from framewise_api.media_auth import MediaLinks, media_links
from framewise_api.problems import errors
from framewise_api.schemas.search import (
    JumpOut,
    LabelOut,
    LabelsOut,
    LanguageOut,
    LanguagesOut,
    SearchPage,
)
from framewise_api.security import require_caller

router = APIRouter(prefix="/api/v1", tags=["search"], dependencies=[Depends(require_caller)], responses=errors(503))

Ms = Annotated[int | None, Query(ge=0, le=2**53, description="milliseconds from the start of a video")]
Text = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$")]


def search_query(
    page: SearchPaging,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=500,
            pattern=r"^[^\x00]*[^\x00\s][^\x00]*$",
            description=(
                "free text: words in any order (speech stemmed in its own language, on-screen text by substring), "
                '"a phrase" in quotes (its words in that order), -word (excluded); a word that matches nothing '
                "as typed finds close spellings (match: fuzzy, ranked below)"
            ),
        ),
    ] = None,
    lang: Annotated[
        str | None,
        Query(min_length=2, max_length=8, description="only speech in this language (ISO 639-1 code, e.g. fr)"),
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(
            description="moment types, repeated or comma-separated: transcript, ocr, object, face, place, scene, "
            "person, speaker"
        ),
    ] = None,
    label: Text = None,
    min_confidence: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    video_id: UUID | None = None,
    from_ms: Ms = None,
    to_ms: Ms = None,
    run_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
    person: Annotated[UUID | None, Query(description="a person's id: moments while they are on screen")] = None,
    speaker: Annotated[
        UUID | None, Query(description="a speaker's id: what they said, and their speaker moments")
    ] = None,
    near: Annotated[list[str] | None, Query(description="<type>:<label> that must occur within `within_ms`")] = None,
    within_ms: Annotated[int, Query(ge=0, le=3_600_000)] = 5000,
    sort: SearchSort = SearchSort.RELEVANCE,
) -> SearchQuery:
    """The query every search endpoint shares; a part that does not parse is a 422 naming it."""
    wanted: set[MomentType] = set()
    for part in ",".join(types or []).split(","):
        if part.strip():
            try:
                wanted.add(MomentType(part.strip().lower()))
            except ValueError:
                kinds = ", ".join(t.value for t in MomentType)
                raise InvalidSearch(f"types: {part.strip()!r} is not one of {kinds}") from None
    if near and (len(near) > 8 or any(len(term) > 200 or "\x00" in term for term in near)):
        raise InvalidSearch("near: at most 8 terms of at most 200 characters, no NUL")
    if from_ms is not None and to_ms is not None and to_ms <= from_ms:
        raise InvalidSearch("to_ms must be after from_ms")
    try:
        terms = tuple(NearTerm.parse(term) for term in near or [])
    except ValueError as exc:
        raise InvalidSearch(str(exc)) from None
    if lang is not None and not known_language(lang.strip().lower()):
        raise InvalidSearch(f"lang: {lang!r} is not a language code (ISO 639-1, e.g. en, fr, de)")
    return SearchQuery(
        q=q.strip() if q is not None else None,
        lang=lang.strip().lower() if lang is not None else None,
        types=frozenset(wanted or MomentType),
        label=label,
        min_confidence=min_confidence,
        video_id=VideoId(video_id) if video_id else None,
        from_ms=from_ms,
        to_ms=to_ms,
        run_id=run_id,
        person_id=person,
        speaker_id=speaker,
        near=terms,
        within_ms=within_ms,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )


Query_ = Annotated[SearchQuery, Depends(search_query)]


Signer = Annotated[MediaLinks, Depends(media_links)]  # bound to the session that asks, if a session asks


@router.get("/search")
async def search(query: Query_, moments: Moments, signer: Signer) -> SearchPage:
    """Moments across the library: where something was said, shown or seen, each with a signed still
    and a signed stream link that starts at the moment."""
    return SearchPage.of(await moments.search(query), signer)


@router.get("/search/next", responses=errors(404))
async def search_next(
    query: Query_, jumper: Jumper, signer: Signer, video_id: UUID, at_ms: Annotated[int, Query(ge=0, le=2**53)]
) -> JumpOut:
    """The next moment the query finds after `at_ms` in `video_id`, in library order (video path, then
    time), across videos; `wrapped` says it came round from the start of the library."""
    # `video_id` is where the jump starts, not a filter: the next moment may be in another video.
    command = JumpFrom(replace(query, video_id=None), VideoId(video_id), at_ms, forward=True)
    return JumpOut.of(await jumper.execute(command), signer)


@router.get("/search/previous", responses=errors(404))
async def search_previous(
    query: Query_, jumper: Jumper, signer: Signer, video_id: UUID, at_ms: Annotated[int, Query(ge=0, le=2**53)]
) -> JumpOut:
    """The moment before `at_ms` in `video_id`, in library order, wrapping round from the end."""
    command = JumpFrom(replace(query, video_id=None), VideoId(video_id), at_ms, forward=False)
    return JumpOut.of(await jumper.execute(command), signer)


@router.get("/search/languages")
async def search_languages(moments: Moments) -> LanguagesOut:
    """The languages the library's speech is in, with how many moments each, the most first: the
    values `lang` takes."""
    return LanguagesOut(items=[LanguageOut.of(found) for found in await moments.languages()])


@router.get("/labels")
async def list_labels(
    moments: Moments,
    type: MomentType,
    prefix: Text = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LabelsOut:
    """The most frequent labels (for speech: stemmed words) of one kind of moment, with how many
    moments and videos have each: suggestions and facets."""
    return LabelsOut(items=[LabelOut.of(found) for found in await moments.labels(type, prefix, limit)])
