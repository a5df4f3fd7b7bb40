"""`POST /configs/{endpoint}` on the ML service: what a config would run on, or which key it refuses."""

import httpx
from pydantic import ValidationError

from framewise.contracts.ml import ModelIdentity
from framewise.domain.analyses import analysis_of
from framewise.domain.errors import InvalidSettings, SettingsUncheckable
from framewise.domain.provenance import Config
from framewise.domain.routing import TaskType


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    return str(body.get("detail") or body.get("title")) if isinstance(body, dict) else str(body)[:300]


class HttpxModelChecker:
    """Asks the ML service, which knows what its models accept (None: no ML service configured)."""

    def __init__(self, client: httpx.AsyncClient | None, *, timeout_s: float = 120.0) -> None:
        self._client, self._timeout = client, timeout_s  # a check may load a checkpoint first

    async def check_config(self, task_type: TaskType, config: Config) -> ModelIdentity:
        if self._client is None:
            raise SettingsUncheckable("settings cannot be checked: ML_SERVICE_URL is not set for the API")
        endpoint = analysis_of(task_type).endpoint
        try:
            response = await self._client.post(f"/configs/{endpoint}", json={"config": config}, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise SettingsUncheckable(f"settings cannot be checked now: the ML service is unreachable ({exc})") from exc
        if response.status_code == 422:
            raise InvalidSettings(f"analyses.{task_type.value}", _detail(response))
        if not response.is_success:
            raise SettingsUncheckable(
                f"settings of {task_type.value} cannot be checked now: the ML service answered "
                f"{response.status_code}: {_detail(response)}"
            )
        try:
            return ModelIdentity.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise SettingsUncheckable(f"the ML service answered a config check with {exc}") from exc
