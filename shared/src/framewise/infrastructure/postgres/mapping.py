"""Row <-> entity mapping, kept in one place so repositories and queries agree."""

from collections.abc import Mapping
from typing import Any

import orjson

from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.ids import ArtifactId, TaskId, VideoId
from framewise.domain.moments import Moment, normalise, trigrams
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance
from framewise.domain.routing import QueueName, TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise.domain.video import FileLocation, MediaInfo, Video, VideoStatus
from framewise.domain.voices import SpeakerRef

TASK_FIELDS = (
    "video_id task_type status queue attempt transient_failures workers_lost job_id config config_hash overrides "
    "progress eta_s error error_kind correlation_id created_at enqueued_at started_at heartbeat_at completed_at "
    "waiting_reason waiting_since"
).split()

PROVENANCE_FIELDS = tuple(Provenance.model_fields)


def task_to_row(task: Task) -> dict[str, Any]:
    row = {name: getattr(task, name) for name in TASK_FIELDS}
    row["id"] = task.id
    return row


def task_from_row(row: Mapping[Any, Any]) -> Task:
    return Task(
        id=TaskId(row["id"]),
        video_id=VideoId(row["video_id"]),
        task_type=TaskType(row["task_type"]),
        config=row["config"],
        config_hash=row["config_hash"],
        overrides=row["overrides"],
        created_at=row["created_at"],
        correlation_id=row["correlation_id"],
        status=TaskStatus(row["status"]),
        queue=QueueName(row["queue"]),
        attempt=row["attempt"],
        transient_failures=row["transient_failures"],
        workers_lost=row["workers_lost"],
        job_id=row["job_id"],
        progress=row["progress"],
        eta_s=row["eta_s"],
        error=row["error"],
        error_kind=ErrorKind(row["error_kind"]) if row["error_kind"] else None,
        enqueued_at=row["enqueued_at"],
        started_at=row["started_at"],
        heartbeat_at=row["heartbeat_at"],
        completed_at=row["completed_at"],
        waiting_reason=row["waiting_reason"],
        waiting_since=row["waiting_since"],
    )


def video_to_row(video: Video) -> dict[str, Any]:
    media = video.media
    return {
        "id": video.id,
        "root": video.root,
        "path": video.path,
        "size": video.size,
        "mtime": video.mtime,
        "content_hash": video.content_hash,
        "status": video.status.value,
        "error": video.error,
        "duration_ms": media.duration_ms if media else None,
        "fps": media.fps if media else None,
        "width": media.width if media else None,
        "height": media.height if media else None,
        "has_audio": media.has_audio if media else None,
        "discovered_at": video.discovered_at,
        "missing_since": video.missing_since,
    }


def location_to_row(video: Video, location: FileLocation) -> dict[str, Any]:
    return {
        "root": location.root,
        "path": location.path,
        "video_id": video.id,
        "size": location.size,
        "mtime": location.mtime,
        "missing_since": location.missing_since,
    }


def location_from_row(row: Mapping[Any, Any]) -> FileLocation:
    return FileLocation(row["root"], row["path"], row["size"], row["mtime"], row["missing_since"])


def video_from_row(row: Mapping[Any, Any], locations: list[FileLocation] | None = None) -> Video:
    media = None
    if row["duration_ms"] is not None:
        media = MediaInfo(row["duration_ms"], row["fps"], row["width"], row["height"], row["has_audio"])
    return Video(
        id=VideoId(row["id"]),
        root=row["root"],
        path=row["path"],
        size=row["size"],
        mtime=row["mtime"],
        content_hash=row["content_hash"],
        status=VideoStatus(row["status"]),
        discovered_at=row["discovered_at"],
        media=media,
        error=row["error"],
        missing_since=row["missing_since"],
        locations=locations or [],
    )


ARTIFACT_COLUMNS = (
    "id video_id task_id attempt artifact_type schema_version span_start_ms span_end_ms payload run_id created_at"
).split()
RUN_FIELDS = tuple(f for f in PROVENANCE_FIELDS if f != "run_id")


def artifact_record(envelope: ArtifactEnvelope) -> tuple[Any, ...]:
    """One COPY record, in ARTIFACT_COLUMNS order (JSONB travels as text)."""
    return (
        envelope.id,
        envelope.video_id,
        envelope.task_id,
        envelope.attempt,
        envelope.artifact_type.value,
        envelope.schema_version,
        envelope.span_start_ms,
        envelope.span_end_ms,
        orjson.dumps(envelope.payload).decode(),
        envelope.provenance.run_id,
        envelope.created_at,
    )


MOMENT_COLUMNS = (
    "video_id task_id run_id moment_type label search_text trigrams start_ms end_ms confidence best_ms count"
).split()


WRITTEN_MOMENT_COLUMNS = [*MOMENT_COLUMNS, "language"]  # as the worker writes them: speech with its language


def written_moment_record(video_id: VideoId, task_id: TaskId, moment: Moment) -> tuple[Any, ...]:
    """One COPY record, in WRITTEN_MOMENT_COLUMNS order."""
    return (*moment_record(video_id, task_id, moment), moment.language)


def moment_record(video_id: VideoId, task_id: TaskId, moment: Moment) -> tuple[Any, ...]:
    """One COPY record, in MOMENT_COLUMNS order."""
    return (
        video_id,
        task_id,
        moment.run_id,
        moment.moment_type.value,
        moment.label,
        normalise(moment.label),
        trigrams(moment.label),
        moment.start_ms,
        moment.end_ms,
        moment.confidence,
        moment.best_ms,
        moment.count,
    )


def run_row(task_id: TaskId, provenance: Provenance) -> dict[str, Any]:
    return {"task_id": task_id, **provenance.model_dump()}


def artifact_from_row(row: Mapping[Any, Any]) -> ArtifactEnvelope:
    return ArtifactEnvelope(
        id=ArtifactId(row["id"]),
        video_id=VideoId(row["video_id"]),
        task_id=TaskId(row["task_id"]),
        attempt=row["attempt"],
        artifact_type=ArtifactType(row["artifact_type"]),
        schema_version=row["schema_version"],
        span_start_ms=row["span_start_ms"],
        span_end_ms=row["span_end_ms"],
        payload=row["payload"],
        provenance=Provenance(**{f: row[f] for f in PROVENANCE_FIELDS}),
        created_at=row["created_at"],
        speaker=SpeakerRef(row["speaker_id"], row["speaker_name"], row["speaker_number"])
        if row.get("speaker_id")
        else None,
    )
