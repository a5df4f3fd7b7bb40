"""The API's OpenAPI document says what the API really does: typed artifact payloads, the error
statuses each operation can answer (each a problem document), the headers that come with them, and
examples that are valid. Building the document opens no connection."""

import inspect
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from framewise.domain.analyses import CATALOGUE
from framewise.domain.payloads import ArtifactType
from framewise_api.main import create_app
from framewise_api.schemas import artifacts, paths, search, tasks, videos
from framewise_api.schemas.artifacts import TYPED_ARTIFACTS
from framewise_api.settings import ApiSettings

pytestmark = pytest.mark.unit
PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    settings = ApiSettings(  # type: ignore[call-arg]
        _env_file=None,
        database_url="postgresql://unused/unused",
        valkey_url="redis://unused",
        media_roots=[str(Path.cwd())],
        api_tokens=["unit-token-0123456789abcdef"],
    )
    return create_app(settings).openapi()


def errors_of(document: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(s) for s in document["paths"][path][method]["responses"] if int(s) >= 400}


def test_an_artifact_payload_is_typed_by_its_artifact_type(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    union = schemas["ArtifactOut"]
    assert union["discriminator"]["propertyName"] == "artifact_type"
    mapping = union["discriminator"]["mapping"]
    assert set(mapping) == {t.value for t in ArtifactType}
    for analysis in CATALOGUE:
        member = schemas[mapping[analysis.artifact_type.value].rsplit("/", 1)[1]]
        assert member["properties"]["artifact_type"]["const"] == analysis.artifact_type.value
        assert member["properties"]["payload"] == {"$ref": f"#/components/schemas/{analysis.payload.__name__}"}
        assert schemas[analysis.payload.__name__]["additionalProperties"] is False
    assert set(TYPED_ARTIFACTS) == set(ArtifactType)  # one member per analysis, from the catalogue


def test_each_operation_lists_only_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    assert errors_of(document, "get", "/api/v1/tasks") == {401, 422, 503}
    assert errors_of(document, "get", "/api/v1/tasks/{task_id}") == {401, 404, 422, 503}
    assert errors_of(document, "post", "/api/v1/tasks/{task_id}/enqueue") == {401, 404, 409, 422, 429, 503}
    assert errors_of(document, "post", "/api/v1/tasks/{task_id}/cancel") == {401, 404, 409, 422, 503}
    assert errors_of(document, "post", "/api/v1/videos") == {401, 408, 413, 415, 422, 429, 503}
    assert errors_of(document, "delete", "/api/v1/sessions/{session_id}") == {401, 403, 404, 422, 503}
    assert errors_of(document, "get", "/api/v1/videos/{video_id}/tasks") == {401, 404, 422, 503}
    assert errors_of(document, "get", "/api/v1/videos/{video_id}/stream") == {
        400, 401, 403, 404, 409, 416, 422, 503
    }  # fmt: skip
    assert errors_of(document, "get", "/api/v1/paths") == {401, 422}
    assert errors_of(document, "get", "/healthz") == {422}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            found = errors_of(document, method, path)
            assert 422 in found, (method, path)  # an unknown query parameter, on every operation
            assert 401 in found or not operation.get("security"), (method, path)
            if method == "get":
                assert not found & {413, 415}, (method, path)  # no body, no upload
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert 400 in found, (method, path)  # a body that does not parse
            for status in found:
                content = operation["responses"][str(status)]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
                assert content["application/problem+json"]["schema"] == PROBLEM
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_headers_that_come_with_an_answer_are_declared(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("429", "503"):
                if status in operation["responses"]:
                    assert "Retry-After" in operation["responses"][status]["headers"], (method, path, status)
    assert "Location" in document["paths"]["/api/v1/videos"]["post"]["responses"]["201"]["headers"]
    assert "Location" in document["paths"]["/api/v1/videos"]["post"]["responses"]["200"]["headers"]
    ranged = document["paths"]["/api/v1/videos/{video_id}/stream"]["get"]["responses"]
    assert {"Content-Range", "Accept-Ranges"} <= set(ranged["206"]["headers"])
    assert "Content-Range" in ranged["416"]["headers"]


def test_every_example_is_valid_for_its_model(document: dict[str, Any]) -> None:
    checked = 0
    built = [*TYPED_ARTIFACTS.values(), *(a.payload for a in CATALOGUE)]  # made from the catalogue
    for module in (artifacts, paths, search, tasks, videos, None):
        members = inspect.getmembers(module, inspect.isclass) if module else [(m.__name__, m) for m in built]
        for _, model in members:
            if not issubclass(model, BaseModel) or (module and model.__module__ != module.__name__):
                continue
            for example in model.model_json_schema().get("examples", []):
                model.model_validate(example)
                checked += 1
            for field in model.model_fields.values():
                for example in field.examples or []:
                    TypeAdapter(field.annotation).validate_python(example, strict=False)
                    checked += 1
    assert checked >= 20
    named = {"ObjectArtifactOut", "SceneArtifactOut", "EnqueueOut", "UploadOut", "SearchHitOut", "LabelOut"}
    assert named <= {n for n, s in document["components"]["schemas"].items() if s.get("examples")}
