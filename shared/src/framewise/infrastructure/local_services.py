"""The local supervisor's state file (`make run` writes it: framewise_dev.state_file), read as `LocalServices`.

The file is replaced whole on every change (a temporary file renamed over it), so a read sees one
version or the other. A file that is absent or not understood reads as no services: the system view
then simply has none, as when no supervisor runs the API.
"""

import asyncio
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from framewise.application.results import LocalService


class _Service(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    state: str
    pid: int | None = None
    restarts: int = 0
    last_exit_code: int | None = None
    last_exit: str | None = None
    reason: str | None = None
    log: str | None = None


class _StateFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    services: list[_Service]


class JsonFileLocalServices:
    """`LocalServices` from the supervisor's JSON state file (SERVICES_STATE_FILE); none without one."""

    def __init__(self, path: Path | None) -> None:
        self._path = path

    def read(self) -> list[LocalService]:
        if self._path is None:
            return []
        try:
            state = _StateFile.model_validate(json.loads(self._path.read_bytes()))
        except (OSError, ValueError, ValidationError):
            return []
        return [LocalService(**service.model_dump()) for service in state.services]

    async def local_services(self) -> list[LocalService]:
        return await asyncio.to_thread(self.read)
