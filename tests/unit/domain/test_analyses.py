"""The catalogue's sampling grid: the interval a frame analysis's windows start on, from its config
when that names a usable one (a positive whole number of milliseconds), else the analysis's own."""

import pytest

from framewise.domain.analyses import CATALOGUE, analysis_of
from framewise.domain.routing import TaskType

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("config", "grid_ms"),
    [
        ({}, 2000),
        ({"interval_ms": 500}, 500),
        ({"interval_ms": 1}, 1),
        ({"interval_ms": 0}, 2000),
        ({"interval_ms": -500}, 2000),
        ({"interval_ms": 500.0}, 2000),
        ({"interval_ms": "500"}, 2000),
        ({"interval_ms": None}, 2000),
    ],
)
def test_a_frame_analysis_samples_on_its_configs_interval_when_that_is_usable(config: dict, grid_ms: int) -> None:
    assert analysis_of(TaskType.PLACE_DETECTION).grid_ms(config) == grid_ms


def test_the_analyses_that_do_not_sample_have_a_one_millisecond_grid_whatever_their_config() -> None:
    spans = [a for a in CATALOGUE if a.interval_ms is None]
    assert {a.task_type for a in spans} == {TaskType.TRANSCRIPTION, TaskType.SCENE_DETECTION}
    assert {a.grid_ms({"interval_ms": 500}) for a in spans} == {1}
