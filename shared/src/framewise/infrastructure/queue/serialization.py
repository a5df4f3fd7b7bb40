"""JSON on both sides of the queue: no pickle crosses a service boundary (SPEC S4.3)."""

import json
from typing import Any


def serialize(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def deserialize(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("a job must deserialize to a JSON object")
    return value
