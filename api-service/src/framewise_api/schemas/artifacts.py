"""An artifact as the API answers it: the envelope, and a payload typed by its `artifact_type` (a
discriminated union of the domain's payload schemas, so OpenAPI shows each analysis' own fields)."""

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, RootModel, SerializerFunctionWrapHandler, field_serializer

from framewise.application.results import Page
from framewise.domain.artifact import ArtifactEnvelope
from framewise.domain.payloads import (
    ArtifactType,
    FaceDetectionV1,
    ObjectDetectionV1,
    OCRDetectionV1,
    Payload,
    PlaceClassificationV1,
    SceneV1,
    TranscriptSegmentV1,
)
from framewise.domain.provenance import Provenance
from framewise_api.schemas.pages import PageOut

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

    @field_serializer("payload", mode="wrap", check_fields=False)
    def _as_stored(self, payload: Payload, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # The payload exactly as stored (optional fields it never had stay absent). No return
        # annotation on purpose: pydantic then documents the payload's own schema.
        return payload.model_dump(mode="json", exclude_unset=True)


def _example(artifact_type: ArtifactType, payload: dict[str, Any], span: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": "1d7a4f0e-8c2b-4e5a-9f3d-6b1c0a2e4d58",
        "video_id": "0b8f3c2a-5d1e-4f6a-8b7c-9e0d1f2a3b4c",
        "task_id": "4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90",
        "artifact_type": artifact_type.value,
        "schema_version": 1,
        "span_start_ms": span[0],
        "span_end_ms": span[1],
        "payload": payload,
        "provenance": _PROVENANCE_EXAMPLE,
        "created_at": "2026-11-30T12:00:00Z",
    }


_BOX = {"x1": 212.0, "y1": 96.5, "x2": 418.0, "y2": 377.0}


class ObjectArtifactOut(_Artifact):
    artifact_type: Literal[ArtifactType.OBJECT]
    payload: ObjectDetectionV1
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _example(
                    ArtifactType.OBJECT,
                    {"frame_index": 250, "timestamp_ms": 10000, "label": "cat", "confidence": 0.91, "bbox": _BOX},
                    (10000, 10000),
                )
            ]
        }
    )


class FaceArtifactOut(_Artifact):
    artifact_type: Literal[ArtifactType.FACE]
    payload: FaceDetectionV1
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _example(
                    ArtifactType.FACE,
                    {"frame_index": 75, "timestamp_ms": 3000, "confidence": 0.99, "bbox": _BOX},
                    (3000, 3000),
                )
            ]
        }
    )


class TranscriptArtifactOut(_Artifact):
    artifact_type: Literal[ArtifactType.TRANSCRIPT_SEGMENT]
    payload: TranscriptSegmentV1
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _example(
                    ArtifactType.TRANSCRIPT_SEGMENT,
                    {
                        "text": "The quick brown fox jumps over the lazy dog.",
                        "start_ms": 300,
                        "end_ms": 3100,
                        "language": "en",
                        "words": [{"word": "The", "start_ms": 300, "end_ms": 420, "probability": 0.98}],
                    },
                    (300, 3100),
                )
            ]
        }
    )


class OcrArtifactOut(_Artifact):
    artifact_type: Literal[ArtifactType.OCR_TEXT]
    payload: OCRDetectionV1
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _example(
                    ArtifactType.OCR_TEXT,
                    {
                        "frame_index": 25,
                        "timestamp_ms": 1000,
                        "text": "FRAMEWISE",
                        "confidence": 0.97,
                        "polygon": [
                            {"x": 40, "y": 200},
                            {"x": 600, "y": 200},
                            {"x": 600, "y": 280},
                            {"x": 40, "y": 280},
                        ],
                    },
                    (1000, 1000),
                )
            ]
        }
    )


class PlaceArtifactOut(_Artifact):
    artifact_type: Literal[ArtifactType.PLACE]
    payload: PlaceClassificationV1
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _example(
                    ArtifactType.PLACE,
                    {
                        "frame_index": 300,
                        "timestamp_ms": 12000,
                        "predictions": [{"label": "palace", "confidence": 0.83}],
                        "label_set": "imagenet-places",
                    },
                    (12000, 12000),
                )
            ]
        }
    )


class SceneArtifactOut(_Artifact):
    artifact_type: Literal[ArtifactType.SCENE]
    payload: SceneV1
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _example(ArtifactType.SCENE, {"scene_index": 1, "start_ms": 2000, "end_ms": 4000}, (2000, 4000))
            ]
        }
    )


TypedArtifact = Annotated[
    ObjectArtifactOut | FaceArtifactOut | TranscriptArtifactOut | OcrArtifactOut | PlaceArtifactOut | SceneArtifactOut,
    Field(discriminator="artifact_type"),
]


class ArtifactOut(RootModel[TypedArtifact]):
    """One artifact: its `payload` has the schema of its `artifact_type`."""

    BY_TYPE: ClassVar[dict[ArtifactType, type[_Artifact]]] = {
        ArtifactType.OBJECT: ObjectArtifactOut,
        ArtifactType.FACE: FaceArtifactOut,
        ArtifactType.TRANSCRIPT_SEGMENT: TranscriptArtifactOut,
        ArtifactType.OCR_TEXT: OcrArtifactOut,
        ArtifactType.PLACE: PlaceArtifactOut,
        ArtifactType.SCENE: SceneArtifactOut,
    }

    @classmethod
    def of(cls, a: ArtifactEnvelope) -> Self:
        typed = cls.BY_TYPE[a.artifact_type].model_validate(
            {
                "id": a.id,
                "video_id": a.video_id,
                "task_id": a.task_id,
                "artifact_type": a.artifact_type,
                "schema_version": a.schema_version,
                "span_start_ms": a.span_start_ms,
                "span_end_ms": a.span_end_ms,
                "payload": a.payload,
                "provenance": a.provenance,
                "created_at": a.created_at,
            }
        )
        return cls(typed)  # one member of the union, picked by its type


class ArtifactPage(PageOut[ArtifactOut]):
    @classmethod
    def of(cls, page: Page[ArtifactEnvelope]) -> Self:
        return cls.converted(page, ArtifactOut.of)
