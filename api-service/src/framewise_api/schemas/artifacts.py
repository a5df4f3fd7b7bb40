"""An artifact as the API answers it: the envelope, and a payload typed by its `artifact_type` (a
discriminated union of the domain's payload schemas, so OpenAPI shows each analysis' own fields)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, Union, cast
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SerializerFunctionWrapHandler,
    create_model,
    field_serializer,
)

from framewise.application.results import Page
from framewise.domain.analyses import CATALOGUE, Analysis
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.payloads import ArtifactType, Payload
from framewise.domain.provenance import Provenance
from framewise_api.schemas.pages import PageOut
from framewise_api.schemas.speakers import SpeakerRefOut

_PROVENANCE_EXAMPLE = {
    "producer": "opencv-dnn-yolov3-tiny",
    "producer_version": "4.12.0",
    "model_profile": "balanced",
    "config_hash": "9f2c4d1a7b3e5f60",
    "input_hash": "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
    "run_id": "run-5c1e0b9d",
    "device": "cpu",
    "weights": "md5:0f5b2d6f8e1c4a3b9d7e6f5a4b3c2d1e",
}


class _Artifact(BaseModel):
    id: UUID
    video_id: UUID
    task_id: UUID
    schema_version: int = Field(description="the version of the payload's schema")
    span_start_ms: int = Field(description="where in the video the payload starts, in ms")
    span_end_ms: int = Field(description="where it ends (the same instant for a single frame)")
    provenance: Provenance
    created_at: datetime
    speaker: SpeakerRefOut | None = Field(None, description="a transcript item's speaker (who says it), when known")

    @field_serializer("payload", mode="wrap", check_fields=False)
    def _as_stored(self, payload: Payload, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # The payload exactly as stored (optional fields it never had stay absent). No return
        # annotation on purpose: pydantic then documents the payload's own schema.
        return payload.model_dump(mode="json", exclude_unset=True)


def _example(analysis: Analysis) -> dict[str, Any]:
    """An artifact of this analysis, for the documentation: its payload's own example."""
    payload = analysis.payload
    example = cast(dict[str, Any], payload.model_config.get("json_schema_extra", {})).get("examples", [{}])[0]
    start, end = payload.model_validate(example).span_ms()
    return {
        "id": "1d7a4f0e-8c2b-4e5a-9f3d-6b1c0a2e4d58",
        "video_id": "0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c",
        "task_id": "4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90",
        "artifact_type": analysis.artifact_type.value,
        "schema_version": payload.schema_version,
        "span_start_ms": start,
        "span_end_ms": end,
        "payload": example,
        "provenance": _PROVENANCE_EXAMPLE,
        "created_at": "2026-11-30T12:00:00Z",
    }


def public(payload: type[Payload]) -> type[Payload]:
    """The payload as the API answers it: its schema without the fields kept on the server (a face's
    descriptor), under the same name in the documentation."""
    if not payload.server_only:
        return payload
    kept = {name: field for name, field in payload.model_fields.items() if name not in payload.server_only}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": payload.__doc__,
        "__annotations__": {name: field.annotation for name, field in kept.items()},
        **kept,
        "model_config": ConfigDict(json_schema_extra=payload.model_config.get("json_schema_extra")),
    }
    return cast(type[Payload], type(payload.__name__, (payload.__mro__[1],), namespace))


def _typed(analysis: Analysis) -> type[_Artifact]:
    """The artifact of one analysis: its `artifact_type` and its payload's schema, named after the
    artifact type (`object`: ObjectArtifactOut, `transcript_segment`: TranscriptSegmentArtifactOut)."""
    kind = analysis.artifact_type
    name = "".join(part.capitalize() for part in kind.value.split("_")) + "ArtifactOut"
    return create_model(
        name,
        __base__=_Artifact,
        __module__=__name__,
        __doc__=f"An artifact of {analysis.task_type.value}: its payload is a {analysis.payload.__name__}.",
        artifact_type=(Literal[kind], ...),  # type: ignore[arg-type]
        payload=(public(analysis.payload), ...),
        __cls_kwargs__={"json_schema_extra": {"examples": [_example(analysis)]}},
    )


# One artifact class per analysis in the catalogue, and the union of them, discriminated by type.
TYPED_ARTIFACTS: dict[ArtifactType, type[_Artifact]] = {a.artifact_type: _typed(a) for a in CATALOGUE}
PAYLOADS: dict[ArtifactType, type[Payload]] = {a.artifact_type: a.payload for a in CATALOGUE}
if TYPE_CHECKING:
    TypedArtifact = _Artifact
else:
    TypedArtifact = Annotated[Union[tuple(TYPED_ARTIFACTS.values())], Field(discriminator="artifact_type")]  # noqa: UP007


class ArtifactOut(RootModel[TypedArtifact]):
    """One artifact: its `payload` has the schema of its `artifact_type`."""

    @classmethod
    def of(cls, a: ArtifactEnvelope) -> Self:
        typed = TYPED_ARTIFACTS[a.artifact_type].model_validate(
            {
                "id": a.id,
                "video_id": a.video_id,
                "task_id": a.task_id,
                "artifact_type": a.artifact_type,
                "schema_version": a.schema_version,
                "span_start_ms": a.span_start_ms,
                "span_end_ms": a.span_end_ms,
                "payload": {k: v for k, v in a.payload.items() if k not in PAYLOADS[a.artifact_type].server_only},
                "provenance": a.provenance,
                "created_at": a.created_at,
                "speaker": SpeakerRefOut.of(a.speaker),
            }
        )
        return cls(typed)  # one member of the union, picked by its type


class ArtifactPage(PageOut[ArtifactOut]):
    @classmethod
    def of(cls, page: Page[ArtifactEnvelope]) -> Self:
        return cls.converted(page, ArtifactOut.of)
