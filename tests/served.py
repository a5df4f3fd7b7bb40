"""A service's real ASGI app served by uvicorn on loopback in a thread, configured as the service
runs it (no banner, bounded headers), for tests that need real connections: dropped clients,
oversized heads, the absent server banner."""

import threading
import time
from typing import Any

from framewise.infrastructure.web import server_config
from tests.e2e.processes import free_port


class Served:
    def __init__(self, app: Any) -> None:
        import uvicorn

        port = free_port()
        self.server = uvicorn.Server(server_config(app, "127.0.0.1", port))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"
        self.port = port

    def __enter__(self) -> "Served":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
