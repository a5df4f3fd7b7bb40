"""The supervisor's services as a small JSON file in the data folder, for the API's `GET /api/v1/system`
and its /metrics (SERVICES_STATE_FILE; the reader is framewise.infrastructure.local_services).

Written whole on every change, to a temporary file renamed over the old one, so that a reader never
sees half of it.
"""

import json
import os
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from framewise_dev.supervisor import ServiceView


def write_state(path: Path, views: list[ServiceView], *, supervisor_pid: int) -> None:
    body = {
        "supervisor_pid": supervisor_pid,
        "updated_at": datetime.now(UTC).isoformat(),
        "services": [asdict(view) for view in views],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(body, out, indent=1)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
