"""Provenance of every stored result, and the canonical hashing that makes configs comparable."""

import hashlib
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue

Config = dict[str, JsonValue]


def canonical_json(value: JsonValue) -> str:
    """Sorted keys, no insignificant white space, UTF-8 kept: equal configs give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def config_hash(config: Config) -> str:
    """Stable hash of a config: the SHA-256 of its canonical JSON, first 16 hex digits."""
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()[:16]


class Provenance(BaseModel):
    """Where a result came from: which producer, which weights, which config, which input, which run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    producer: Annotated[str, Field(min_length=1)]
    producer_version: Annotated[str, Field(min_length=1)]
    model_profile: Annotated[str, Field(min_length=1)]
    config_hash: Annotated[str, Field(min_length=1)]
    input_hash: Annotated[str, Field(min_length=1)]
    run_id: Annotated[str, Field(min_length=1)]
    device: Annotated[str, Field(min_length=1)]
    weights: Annotated[str, Field(min_length=1, description="weights file hash, 'none' or 'random'")]
    change_threshold: Annotated[
        float | None,
        Field(
            ge=0,
            le=255,
            description="a sampled frame that changed no more than this since the last one analysed reused its "
            "answer (0: every frame analysed); null for an analysis that does not skip frames",
        ),
    ] = None
