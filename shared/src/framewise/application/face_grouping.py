"""Placing faces into persons, one face at a time, as framewise.domain.faces decides: used when a
face run completes and by an on-demand re-grouping."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from framewise.application.ports import PersonRepository
from framewise.domain.faces import NEIGHBOURS, FaceTrack, choose_person
from framewise.domain.ids import TaskId, VideoId


async def person_for(persons: PersonRepository, descriptor: Sequence[float], now: datetime) -> UUID:
    """The person a face with this descriptor joins, or a new one."""
    neighbours = await persons.neighbours(descriptor, NEIGHBOURS)
    refused = await persons.refusing(descriptor) if neighbours else set()
    chosen = choose_person(neighbours, refused)
    return chosen if chosen is not None else await persons.create(now)


async def add_faces(
    persons: PersonRepository,
    video_id: VideoId,
    task_id: TaskId,
    run_id: str,
    tracks: Sequence[FaceTrack],
    now: datetime,
) -> None:
    """A run's face tracks, each placed in turn (a later track sees the earlier ones)."""
    if not tracks:
        return
    await persons.lock()
    for track in tracks:
        person = await person_for(persons, track.descriptor, now)
        await persons.add_face(video_id, task_id, run_id, track, person)
