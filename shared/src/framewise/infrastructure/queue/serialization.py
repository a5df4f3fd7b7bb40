"""JSON on both sides of the queue: no pickle crosses a service boundary."""

import json
from typing import Any


def _plain(value: object) -> object:
    """What arq puts in a result that JSON cannot hold: the exception of a failed, timed-out or
    aborted job (a CancelledError). Stored as its type and message; the task row holds the truth."""
    if isinstance(value, BaseException):
        return {"exception": type(value).__name__, "message": str(value)}
    raise TypeError(f"{type(value).__name__} cannot travel on the queue; jobs carry ids, not objects")


def serialize(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), default=_plain).encode("utf-8")


def deserialize(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("a job must deserialize to a JSON object")
    return value
