import ipaddress
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from framewise.contracts.ml import ML_RESULT_TTL_S
from framewise.infrastructure.settings import CommaList, ServiceSettings, split_commas
from framewise_ml.models.choice import ObjectsChoice, PlacesChoice


class MlSettings(ServiceSettings):
    """Settings of the ML service (environment variables of the same name, upper case)."""

    media_roots: Annotated[CommaList, Field(min_length=1)]
    ml_host: str = "127.0.0.1"
    ml_port: Annotated[int, Field(ge=1, le=65535)] = 8001
    # The bearer token /infer/* requires (the workers send the same ML_TOKEN). Required unless the
    # service listens on loopback only, where no other machine can reach it.
    ml_token: Annotated[SecretStr, Field(min_length=16)] | None = None
    gpu_concurrency: Annotated[int, Field(ge=1, le=64)] = 2
    gpu_queue_limit: Annotated[int, Field(ge=0, le=10_000)] = 32
    gpu_queue_per_caller: Annotated[int, Field(ge=1, le=10_000)] = 16  # waiting requests one caller may have
    gpu_wait_timeout_s: Annotated[float, Field(gt=0)] = 600.0
    require_gpu: bool = False
    model_cache_dir: Path = Path("models")
    allow_random_weights: bool = False
    objects_model: ObjectsChoice = ObjectsChoice.AUTO  # auto: YOLO11 if its checkpoint is cached, else yolov3-tiny
    places_model: PlacesChoice = (
        PlacesChoice.AUTO
    )  # auto: Places365 if its checkpoint is cached, else efficientnet-lite0
    # auto: rapidocr on the CPU for the scripts it reads, easyocr on CUDA and for other languages
    ocr_engine: Literal["auto", "rapidocr", "easyocr"] = "auto"
    # faster-whisper (CTranslate2: int8 on the CPU, float16 on CUDA) unless openai-whisper is named
    transcribe_engine: Literal["auto", "faster-whisper", "openai-whisper"] = "auto"
    # A descriptor of each face found (dlib), for finding one person across the library; false: detection
    # only, no descriptor computed or answered, and dlib's weights not needed
    face_recognition: bool = True
    # The CPU threads all analyses together may use (0: the cores this process may run on), and each
    # one's share (0: cpu_threads / gpu_concurrency): cpu_budget.py
    cpu_threads: Annotated[int, Field(ge=0, le=1024)] = 0
    analysis_threads: Annotated[int, Field(ge=0, le=1024)] = 0
    valkey_url: str | None = None
    ml_result_ttl_s: Annotated[int, Field(ge=1, le=7 * 24 * 3600)] = ML_RESULT_TTL_S

    _split = field_validator("media_roots", mode="before")(split_commas)

    @model_validator(mode="after")
    def _token_unless_loopback(self) -> Self:
        if self.ml_token is None and not is_loopback(self.ml_host):
            raise ValueError(f"ML_TOKEN is required when ML_HOST ({self.ml_host}) is not a loopback address")
        return self


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
