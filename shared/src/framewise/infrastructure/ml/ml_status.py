"""The ML service's own view of itself, for the API's system view: `GET /health` and
`POST /models/reload`, over HTTP with ML_TOKEN."""

from typing import Any

import httpx
from pydantic import JsonValue

from framewise.application.results import MlServiceStatus, MlServiceUnreachable, ModelReload

NOT_CONFIGURED = "ML_SERVICE_URL is not set for the API"


def _dicts(value: Any) -> dict[str, dict[str, JsonValue]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)}


class HttpxMlStatus:
    """Reads the ML service's health and asks it to reload; `client` None: not configured."""

    def __init__(self, client: httpx.AsyncClient | None, *, timeout_s: float = 5.0, reload_timeout_s: float = 900.0):
        self._client, self._timeout, self._reload_timeout = client, timeout_s, reload_timeout_s

    @staticmethod
    def create(base_url: str | None, token: str | None) -> httpx.AsyncClient | None:
        if not base_url:
            return None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=base_url, headers=headers)

    async def status(self) -> MlServiceStatus:
        if self._client is None:
            return MlServiceStatus(reachable=False, status="not-configured", detail=NOT_CONFIGURED)
        try:
            response = await self._client.get("/health", timeout=self._timeout)
            body = response.json()
        except httpx.HTTPError as exc:
            return MlServiceStatus(reachable=False, status="unreachable", detail=f"{type(exc).__name__}: {exc}"[:300])
        except ValueError:
            return MlServiceStatus(reachable=False, status="unreachable", detail="its /health is not JSON")
        if not isinstance(body, dict) or "models" not in body:
            detail = f"its /health answered {response.status_code} without models"
            return MlServiceStatus(reachable=False, status="unreachable", detail=detail)
        device, gate = body.get("device"), body.get("gate")
        return MlServiceStatus(
            reachable=True,
            status=str(body.get("status", "unknown")),
            device=device if isinstance(device, dict) else None,
            models=_dicts(body.get("models")),
            gate=gate if isinstance(gate, dict) else None,
        )

    async def reload(self) -> ModelReload:
        if self._client is None:
            raise MlServiceUnreachable(NOT_CONFIGURED)
        try:
            response = await self._client.post("/models/reload", timeout=self._reload_timeout)
        except httpx.HTTPError as exc:
            raise MlServiceUnreachable(f"the ML service does not answer: {type(exc).__name__}") from exc
        if not response.is_success:
            raise MlServiceUnreachable(f"the ML service answered {response.status_code} to the reload")
        try:
            body = response.json()
        except ValueError as exc:
            raise MlServiceUnreachable("the ML service's reload answer is not JSON") from exc
        changes = body.get("changes") if isinstance(body, dict) else None
        return ModelReload(
            changes=[c for c in changes if isinstance(c, dict)] if isinstance(changes, list) else [],
            models=_dicts(body.get("models") if isinstance(body, dict) else None),
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
