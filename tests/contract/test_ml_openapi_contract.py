"""The ML service against its own OpenAPI schema: schemathesis sends generated requests (examples,
boundary cases, random valid and invalid data) to every operation of the real app, on a media root
with a real video, the scenes model real and loaded and the others unavailable. No answer may be a
5xx other than a documented 503, and every answer must have a documented status code, content type
and body. The token is sent, so the generated requests reach the handlers behind it."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.base import MissingModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.integration

TOKEN = "contract-ml-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE_URL = f"http://{asgi.HOST}"
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
SEEDED: dict[str, Any] = {}


def app(media_root: Path) -> Any:
    settings = MlSettings(media_roots=[str(media_root)], ml_token=TOKEN)  # type: ignore[arg-type]
    others = [
        MissingModel(name, "no weights in this test") for name in ("objects", "faces", "transcribe", "ocr", "places")
    ]
    return create_app(settings, ModelRegistry([ScenesModel(), *others], device={"device": "cpu"}))


schema = schemathesis.openapi.from_dict(app(Path("/unused")).openapi())


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> Any:
    """Some requests name the real video, so that the handlers past path resolution run too."""
    if context.operation.method.upper() != "POST" or not isinstance(case.body, dict):
        return st.just(case)
    real = {**case.body, "video_path": SEEDED["video"]}
    return st.one_of(st.just(case), st.just(context.operation.Case(body=real, media_type="application/json")))


@pytest.fixture
def ml(tmp_path: Path, sample_video: SampleVideo) -> Iterator[requests.Session]:
    root = tmp_path / "media"
    root.mkdir()
    (root / "clip.mp4").write_bytes(sample_video.path.read_bytes())
    SEEDED["video"] = str(root.resolve() / "clip.mp4")
    with asgi.get_client(app(root.resolve())) as client:
        client.headers.update(AUTH)
        yield client


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_ml_service_honours_its_openapi_contract(case: schemathesis.Case, ml: requests.Session) -> None:
    response = case.call_and_validate(session=ml, base_url=BASE_URL, headers=AUTH, checks=CHECKS)
    assert response.status_code < 500 or response.status_code == 503, response.text
