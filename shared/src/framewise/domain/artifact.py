"""The artifact envelope: one detection, segment or scene with its span and provenance."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue, ValidationError

from framewise.domain.analyses import analysis_of
from framewise.domain.errors import InvalidPayload
from framewise.domain.ids import ArtifactId, TaskId, VideoId, new_artifact_id
from framewise.domain.payloads import ArtifactType, Payload
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.domain.voices import SpeakerRef


@dataclass(frozen=True)
class ArtifactEnvelope:
    id: ArtifactId
    video_id: VideoId
    task_id: TaskId
    attempt: int
    artifact_type: ArtifactType
    schema_version: int
    span_start_ms: int
    span_end_ms: int
    payload: dict[str, JsonValue]
    provenance: Provenance
    created_at: datetime
    speaker: SpeakerRef | None = None  # a transcript item's speaker, as read (never stored in it)


def validate_payload(task_type: TaskType, item: JsonValue, name: str = "") -> Payload:
    """Validate one raw item against the schema of the task type's artifact; raise `InvalidPayload`
    naming the schema, the item (`name`, when given) and the field."""
    schema = analysis_of(task_type).payload
    try:
        return schema.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "item"
        of = f" ({name})" if name else ""
        raise InvalidPayload(f"{schema.__name__} rejected {where}{of}: {first['msg']}") from exc


def envelopes_for(
    *,
    task_type: TaskType,
    video_id: VideoId,
    task_id: TaskId,
    attempt: int,
    items: Sequence[Payload],
    provenance: Provenance,
    now: datetime,
) -> list[ArtifactEnvelope]:
    """Wrap every item of one inference (parsed when the answer arrived) in an envelope."""
    artifact_type = analysis_of(task_type).artifact_type
    envelopes = []
    for payload in items:
        start, end = payload.span_ms()
        envelopes.append(
            ArtifactEnvelope(
                id=new_artifact_id(),
                video_id=video_id,
                task_id=task_id,
                attempt=attempt,
                artifact_type=artifact_type,
                schema_version=payload.schema_version,
                span_start_ms=start,
                span_end_ms=end,
                payload=payload.model_dump(mode="json", exclude_none=True),
                provenance=provenance,
                created_at=now,
            )
        )
    return envelopes
