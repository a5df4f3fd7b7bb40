"""Reading a request's per-analysis config: each value checked, a clear InvalidConfig (422) if wrong."""

from collections.abc import Sequence

from pydantic import JsonValue

Config = dict[str, JsonValue]


class InvalidConfig(ValueError):
    """A config value the analysis refuses: the caller's mistake, answered 422 naming the key. Any
    other error inside a model (a library's own ValueError included) is the model's failure."""


# Bounds on what a caller may make an analysis cost: a frame analysis samples at most 10 frames a
# second (OCR, the dearest, 5), whatever the video's frame rate.
MIN_INTERVAL_MS = 100
MAX_INTERVAL_MS = 600_000


CHANGE_THRESHOLD = 6.0  # how much an 8x8 block of a frame's grey thumbnail may change and still be the same frame


def config_change_threshold(config: Config) -> float:
    """`change_threshold`: a sampled frame whose thumbnail differs from the last one analysed by no
    more than this (media/change.py) reuses its answer; 0 analyses every frame."""
    return config_number(config, "change_threshold", CHANGE_THRESHOLD, 0.0, 255.0)


def config_number(config: Config, key: str, default: float, low: float, high: float) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidConfig(f"config {key} must be a number in [{low:g}, {high:g}]")
    return float(value)


def config_int(config: Config, key: str, default: int, low: int, high: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidConfig(f"config {key} must be an integer in [{low}, {high}]")
    return value


def config_flag(config: Config, key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise InvalidConfig(f"config {key} must be true or false")
    return value


def config_choice(config: Config, key: str, default: str, choices: Sequence[str]) -> str:
    value = config.get(key, default)
    if not isinstance(value, str) or value not in choices:
        raise InvalidConfig(f"config {key} must be one of {', '.join(choices)}")
    return value


def config_strings(config: Config, key: str, default: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """A non-empty list of strings from `allowed` (a single string is taken as a list of one)."""
    value = config.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v in allowed for v in value):
        raise InvalidConfig(f"config {key} must be a non-empty list drawn from {', '.join(allowed)}")
    return list(dict.fromkeys(str(v) for v in value))  # each once, in the order given
