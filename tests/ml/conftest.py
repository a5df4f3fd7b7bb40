"""Fixtures the ML tests share: a model loaded once for every module that reads it."""

from pathlib import Path

import pytest

from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.faces import FacesModel


@pytest.fixture(scope="session")
def faces(model_cache: Path) -> FacesModel:
    """The faces model on the real weights, recognition on (the default)."""
    model = FacesModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model
