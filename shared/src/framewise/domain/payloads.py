"""Versioned payload schemas of the artifacts each analysis produces.

Each payload knows its time span, so the envelope's span columns are derived, never typed twice.
"""

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

NonNegativeMs = Annotated[int, Field(ge=0)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
FrameIndex = Annotated[int, Field(ge=0)]
DESCRIPTOR_SIZE = 128  # numbers in a face descriptor (dlib's ResNet)
Descriptor = Annotated[
    list[Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]],
    Field(min_length=DESCRIPTOR_SIZE, max_length=DESCRIPTOR_SIZE),
]
VOICE_SIZE = 256  # numbers in a voice embedding (resemblyzer's encoder; L2-normed, each in [0, 1])
Voice = Annotated[
    list[Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]],
    Field(min_length=VOICE_SIZE, max_length=VOICE_SIZE),
]


class ArtifactType(StrEnum):
    OBJECT = "object"
    FACE = "face"
    TRANSCRIPT_SEGMENT = "transcript_segment"
    OCR_TEXT = "ocr_text"
    PLACE = "place"
    SCENE = "scene"


class MomentType(StrEnum):
    """What a moment is of: the kind people search by (`types=`), one per analysis."""

    TRANSCRIPT = "transcript"
    OCR = "ocr"
    OBJECT = "object"
    FACE = "face"
    PLACE = "place"
    SCENE = "scene"
    PERSON = "person"  # a named person's face on screen (persons, not an analysis of its own)
    SPEAKER = "speaker"  # a named speaker's turn (speakers, from the transcript's voices)


class BBox(BaseModel):
    """Pixel box in the frame: top-left (x1, y1) to bottom-right (x2, y2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    x1: Annotated[float, Field(ge=0)]
    y1: Annotated[float, Field(ge=0)]
    x2: Annotated[float, Field(ge=0)]
    y2: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise ValueError("bbox corners must be ordered: x1 <= x2 and y1 <= y2")
        return self


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    x: float
    y: float


class Payload(BaseModel):
    """Base of every payload schema: strict, versioned, and able to say its time span."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: ClassVar[int] = 1
    # Fields kept on the server: stored with the artifact and used there, never answered by the API.
    server_only: ClassVar[frozenset[str]] = frozenset()

    def span_ms(self) -> tuple[int, int]:
        raise NotImplementedError


class FramePayload(Payload):
    frame_index: FrameIndex
    timestamp_ms: NonNegativeMs

    def span_ms(self) -> tuple[int, int]:
        return self.timestamp_ms, self.timestamp_ms


_BOX: dict[str, JsonValue] = {"x1": 212.0, "y1": 96.5, "x2": 418.0, "y2": 377.0}


def _example(example: dict[str, JsonValue]) -> ConfigDict:
    """A payload's example, shown in the API's documentation."""
    return ConfigDict(json_schema_extra={"examples": [example]})


class ObjectDetectionV1(FramePayload):
    model_config = _example(
        {"frame_index": 250, "timestamp_ms": 10000, "label": "cat", "confidence": 0.91, "bbox": _BOX}
    )
    label: Annotated[str, Field(min_length=1)]
    confidence: Confidence
    bbox: BBox
    track_id: int | None = None


class FaceDetectionV1(FramePayload):
    model_config = _example({"frame_index": 75, "timestamp_ms": 3000, "confidence": 0.99, "bbox": _BOX})
    server_only: ClassVar[frozenset[str]] = frozenset({"descriptor"})
    confidence: Confidence
    bbox: BBox
    landmarks: list[Point] | None = None
    # What the face looks like, as 128 numbers (dlib's ResNet on the face aligned by its 5 landmarks):
    # faces of one person lie close. Absent when face recognition is off. Never leaves the server.
    descriptor: Descriptor | None = None


class Word(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    word: str
    start_ms: NonNegativeMs
    end_ms: NonNegativeMs
    probability: Confidence | None = None


class TranscriptSegmentV1(Payload):
    server_only: ClassVar[frozenset[str]] = frozenset({"voice"})
    model_config = _example(
        {
            "text": "The quick brown fox jumps over the lazy dog.",
            "start_ms": 300,
            "end_ms": 3100,
            "language": "en",
            "language_probability": 0.97,
            "checkpoint": "base",
            "words": [{"word": "The", "start_ms": 300, "end_ms": 420, "probability": 0.98}],
        }
    )
    text: str
    start_ms: NonNegativeMs
    end_ms: NonNegativeMs
    language: Annotated[str, Field(min_length=2, description="the spoken language's code: ISO 639-1 where it has one")]
    # How sure the language detection was (below 0.65 the language is a best guess); null where the
    # language was set (a folder's `language: fr`), not detected.
    language_probability: Confidence | None = None
    checkpoint: str | None = None  # the speech model's checkpoint that transcribed it (tiny.en, base)
    confidence: Confidence | None = None
    words: list[Word] | None = None
    # Who speaks: the voice of this turn, as 256 numbers (resemblyzer's encoder over its speech): one
    # speaker's turns lie close. A segment in which the voice changes is split into one item per
    # turn. Absent when speaker turns are off or the turn is too short to tell. Never leaves the server.
    voice: Voice | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_ms < self.start_ms:
            raise ValueError("end_ms must not be before start_ms")
        return self

    def span_ms(self) -> tuple[int, int]:
        return self.start_ms, self.end_ms


class OCRDetectionV1(FramePayload):
    model_config = _example(
        {
            "frame_index": 25,
            "timestamp_ms": 1000,
            "text": "FRAMEWISE",
            "confidence": 0.97,
            "polygon": [{"x": 40, "y": 200}, {"x": 600, "y": 200}, {"x": 600, "y": 280}, {"x": 40, "y": 280}],
        }
    )
    text: Annotated[str, Field(min_length=1)]
    confidence: Confidence
    polygon: Annotated[list[Point], Field(min_length=3)]


class LabelScore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, Field(min_length=1)]
    confidence: Confidence


class PlaceClassificationV1(FramePayload):
    model_config = _example(
        {
            "frame_index": 300,
            "timestamp_ms": 12000,
            "predictions": [{"label": "palace", "confidence": 0.83}],
            "label_set": "imagenet-places",
        }
    )
    predictions: Annotated[list[LabelScore], Field(min_length=1)]
    # The vocabulary of the labels: "places365" (365 scene categories) or "imagenet-places" (the
    # place classes of ImageNet's 1000). Absent on artifacts stored before it was recorded.
    label_set: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class SceneV1(Payload):
    model_config = _example({"scene_index": 1, "start_ms": 2000, "end_ms": 4000})
    scene_index: Annotated[int, Field(ge=0)]
    start_ms: NonNegativeMs
    end_ms: NonNegativeMs

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_ms <= self.start_ms:
            raise ValueError("a scene must end after it starts")
        return self

    def span_ms(self) -> tuple[int, int]:
        return self.start_ms, self.end_ms
