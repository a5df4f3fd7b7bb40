from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, JsonValue

from framewise.application.results import Page
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.payloads import ArtifactType
from framewise.domain.provenance import Provenance
from framewise_api.schemas.pages import PageOut


class ArtifactOut(BaseModel):
    id: UUID
    video_id: UUID
    task_id: UUID
    artifact_type: ArtifactType
    schema_version: int
    span_start_ms: int
    span_end_ms: int
    payload: dict[str, JsonValue]
    provenance: Provenance
    created_at: datetime

    @classmethod
    def of(cls, a: ArtifactEnvelope) -> Self:
        return cls(
            id=a.id,
            video_id=a.video_id,
            task_id=a.task_id,
            artifact_type=a.artifact_type,
            schema_version=a.schema_version,
            span_start_ms=a.span_start_ms,
            span_end_ms=a.span_end_ms,
            payload=a.payload,
            provenance=a.provenance,
            created_at=a.created_at,
        )


class ArtifactPage(PageOut[ArtifactOut]):
    @classmethod
    def of(cls, page: Page[ArtifactEnvelope]) -> Self:
        return cls.converted(page, ArtifactOut.of)
