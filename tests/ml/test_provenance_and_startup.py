"""Every response's provenance is complete and its config_hash a function of the config alone; the
scenes analysis finds every cut within a frame; REQUIRE_GPU refuses to start without CUDA."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import SceneV1
from framewise.domain.provenance import config_hash
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import SceneModel
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.ml

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
configs = st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=configs)
def test_provenance_is_complete_and_equal_configs_hash_equal(config: dict, analysis_video: SampleVideo) -> None:
    model = SceneModel()
    reordered = json.loads(json.dumps(dict(reversed(list(config.items())))))
    request = InferenceRequest(video_path=str(analysis_video.path), config=config)
    twin = InferenceRequest(video_path=str(analysis_video.path), config=reordered)
    first, second = model.provenance(request, analysis_video.path), model.provenance(twin, analysis_video.path)
    assert all(str(value) for value in first.model_dump().values())  # no field empty
    assert first.config_hash == second.config_hash == config_hash(config)
    assert first.input_hash == second.input_hash and first.input_hash.startswith("fw1:")
    assert first.run_id != second.run_id  # each run is its own


def test_every_cut_is_found_within_one_frame_hue_only_included(analysis_video: SampleVideo) -> None:
    model = SceneModel()
    model.load()
    request = InferenceRequest(video_path=str(analysis_video.path))
    scenes = [SceneV1.model_validate(item) for item in model.predict(request, analysis_video.path).items]
    assert scenes[0].start_ms == 0 and scenes[-1].end_ms == analysis_video.duration_ms
    starts = [s.start_ms for s in scenes[1:]]
    assert len(starts) == len(analysis_video.cut_ms())  # the hue-only cut (shot 2 -> 3) is among them
    for found, expected in zip(starts, analysis_video.cut_ms(), strict=True):
        assert abs(found - expected) <= 1000 / analysis_video.fps


def test_require_gpu_refuses_to_start_without_cuda(tmp_path: Path) -> None:
    registry = ModelRegistry([SceneModel()], device={"device": "cpu", "reason": "CUDA not available"})
    app = create_app(MlSettings(media_roots=[str(tmp_path)], require_gpu=True), registry)
    with pytest.raises(RuntimeError, match="REQUIRE_GPU"), TestClient(app):
        pass
