"""Fixtures the ML tests share: a model loaded once for every module that reads it."""

from pathlib import Path

import pytest

from framewise_ml.models.base import ModelContext, ModelState
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.ocr import OcrModel


@pytest.fixture(scope="session")
def faces(model_cache: Path) -> FacesModel:
    """The faces model on the real weights, recognition on (the default)."""
    model = FacesModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


@pytest.fixture(scope="session")
def ocr(model_cache: Path) -> OcrModel:
    """The OCR model on the real weights, its default engine (RapidOCR on the CPU)."""
    model = OcrModel(ModelContext(model_cache))
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model
