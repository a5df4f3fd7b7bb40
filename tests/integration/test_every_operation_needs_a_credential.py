"""Every operation refuses a caller without a valid credential. The API's OpenAPI document is walked,
every path and method with its path parameters filled, and each is sent with no token, a wrong token
and a forged session cookie: 401 everywhere but the named public operations. The same on the ML
service for /infer/*, /configs/* and /models/*. (A media route also opens with a valid signed link;
test_api_search_and_media proves that, and that an altered one is 403.)

An operation added later is walked too: only the lists below name exceptions."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise_ml.main import create_app as create_ml_app
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings
from tests.api import TOKEN, api_client

pytestmark = pytest.mark.integration

# (method, path template) that answer without a credential, and why.
API_PUBLIC = {
    ("GET", "/healthz"),  # liveness, for orchestrators
    ("GET", "/readyz"),  # readiness, for orchestrators
    ("POST", "/api/v1/session"),  # sign-in: a token in the body is the credential it checks
    ("DELETE", "/api/v1/session"),  # sign-out: clears the cookie, whoever asks
}
ML_PUBLIC = {("GET", "/health"), ("GET", "/livez"), ("GET", "/readyz")}
ML_GUARDED = re.compile(r"^/(infer|configs|models)/")
SOME_UUID = "6f1c1f9e-3a52-4c1e-9d8e-2f3b0c4d5e6f"
WRONG_TOKEN = {"Authorization": "Bearer not-a-configured-token-0123456789"}
FORGED_COOKIE = "framewise_session=" + "a" * 12 + "." + "9" * 10 + "." + "f" * 64


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(method, path template, concrete path) of every operation, path parameters filled."""
    for template, methods in document["paths"].items():
        for method, operation in methods.items():
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                schema = parameter.get("schema", {})
                value = SOME_UUID if schema.get("format") == "uuid" else "1" if schema.get("type") == "integer" else "x"
                path = path.replace("{" + parameter["name"] + "}", value)
            assert "{" not in path, f"{method} {template}: a path parameter the walk could not fill"
            yield method.upper(), template, path


def send(client: TestClient, method: str, path: str, headers: dict[str, str], cookie: str | None = None) -> int:
    client.cookies.clear()
    request = client.build_request(method, path, headers=headers, json={} if method in {"POST", "PUT"} else None)
    if cookie is not None:
        request.headers["Cookie"] = cookie
    return client.send(request).status_code


@pytest.fixture
def api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root) as client:
        client.headers.pop("Authorization")  # this client sends only what each case says
        yield client


async def test_every_api_operation_refuses_a_caller_without_a_valid_credential(
    api: TestClient, engine: AsyncEngine, redis: Redis
) -> None:
    document = api.get("/openapi.json").json()
    walked = list(operations(document))
    assert len(walked) >= 45  # the walk really saw the API (not an empty document)
    assert API_PUBLIC <= {(method, template) for method, template, _ in walked}  # the exceptions still exist
    wrong: list[str] = []
    for method, template, path in walked:
        if (method, template) in API_PUBLIC:
            continue
        for case, headers, cookie in (
            ("no credential", {}, None),
            ("a wrong token", WRONG_TOKEN, None),
            ("a forged session cookie", {"Origin": str(api.base_url)}, FORGED_COOKIE),
        ):
            status = send(api, method, path, headers, cookie)
            if status != 401:
                wrong.append(f"{method} {path} with {case}: {status}")
    assert not wrong, "\n".join(wrong)
    async with engine.connect() as connection:  # and nothing was written on the way
        assert (await connection.execute(text("SELECT count(*) FROM videos"))).scalar_one() == 0
        assert (await connection.execute(text("SELECT count(*) FROM tasks"))).scalar_one() == 0
    assert await redis.keys("arq:*") == []


def test_the_api_public_operations_answer_without_a_credential(api: TestClient) -> None:
    assert api.get("/healthz").status_code == 200
    assert api.get("/readyz").status_code in {200, 503}  # readiness, whatever it finds
    assert api.post("/api/v1/session", json={"token": "not-a-configured-token-0123456789"}).status_code == 401
    assert api.delete("/api/v1/session").status_code == 204


@pytest.fixture
def ml(tmp_path: Path) -> Iterator[TestClient]:
    settings = MlSettings(media_roots=[str(tmp_path)], ml_token="ml-token-for-the-walk-0123456789")  # type: ignore[arg-type]
    registry = ModelRegistry([ScenesModel()], device={"device": "cpu"})
    with TestClient(create_ml_app(settings, registry)) as client:
        yield client


def test_every_ml_operation_but_health_refuses_a_caller_without_the_ml_token(ml: TestClient) -> None:
    walked = list(operations(ml.get("/openapi.json").json()))
    guarded = [(method, path) for method, template, path in walked if ML_GUARDED.match(template)]
    assert {path for _, path in guarded} >= {"/infer/scenes", "/configs/scenes", "/models/reload"}
    assert {(m, t) for m, t, _ in walked} - {(m, t) for m, t, _ in walked if ML_GUARDED.match(t)} == ML_PUBLIC
    wrong = []
    for method, path in guarded:
        for case, headers in (
            ("no token", {}),
            ("a wrong token", WRONG_TOKEN),
            ("not bearer", {"Authorization": "Basic eDp5"}),
        ):
            status = send(ml, method, path, headers)
            if status != 401:
                wrong.append(f"{method} {path} with {case}: {status}")
    assert not wrong, "\n".join(wrong)
    assert all(ml.request(method, path).status_code == 200 for method, path in ML_PUBLIC if path != "/readyz")


def test_with_a_valid_credential_the_same_walk_gets_past_authentication(api: TestClient, ml: TestClient) -> None:
    """The walks' 401s are the credential's doing: with a valid one, no operation answers 401 (an
    empty library: what the requests find is nothing, a 404 or a 422)."""
    passed = [
        (method, path, send(api, method, path, {"Authorization": f"Bearer {TOKEN}"}))
        for method, _, path in operations(api.get("/openapi.json").json())
    ]
    assert [p for p in passed if p[2] == 401] == []
    auth = {"Authorization": "Bearer ml-token-for-the-walk-0123456789"}
    assert send(ml, "POST", "/configs/scenes", auth) == 200
