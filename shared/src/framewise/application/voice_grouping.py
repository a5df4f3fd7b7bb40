"""Placing speaker turns into speakers, one turn at a time, as framewise.domain.voices decides: used
when a transcription run completes."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from framewise.application.ports import SpeakerRepository
from framewise.domain.faces import NEIGHBOURS
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.voices import VoiceTurn, choose_speaker


async def speaker_for(speakers: SpeakerRepository, voice: Sequence[float], now: datetime) -> UUID:
    """The speaker a turn with this voice joins, or a new one."""
    chosen = choose_speaker(await speakers.neighbours(voice, NEIGHBOURS))
    return chosen if chosen is not None else await speakers.create(now)


async def add_voices(
    speakers: SpeakerRepository,
    video_id: VideoId,
    task_id: TaskId,
    run_id: str,
    turns: Sequence[VoiceTurn],
    now: datetime,
) -> None:
    """A run's turns, each placed in turn (a later turn sees the earlier ones, the same voice
    earlier in the same video included)."""
    if not turns:
        return
    await speakers.lock()
    for turn in turns:
        await speakers.add_voice(video_id, task_id, run_id, turn, await speaker_for(speakers, turn.voice, now))
