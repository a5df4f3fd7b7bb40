"""A fault-injecting reverse proxy for the ML service, run in a thread of the test process.

The workers are pointed at the proxy instead of the ML service. The test then decides, at any
moment, what the workers see:

- `down()`: the proxy stops listening and drops every open connection (requests in flight included),
  so the workers get connection refused / reset until `up()` listens again on the same port;
- `fail(path, status, times)`: requests to that path get `status` with a problem body (the next
  `times` of them, or all), the rest pass;
- `delay(path, seconds)`: requests to that path are held that long before they are forwarded (a slow
  or busy ML service);
- otherwise every request is forwarded to the real ML service and its answer sent back.

It speaks just enough HTTP/1.1 for httpx: keep-alive, Content-Length bodies (no chunked requests).
"""

import asyncio
import json
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.processes import free_port

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic()
    method: str
    path: str
    status: int  # what the proxy answered; 0 when the connection was dropped before an answer


class MlProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[Seen] = []
        self._failures: dict[str, tuple[int, int | None]] = {}  # path -> (status, how many more or None)
        self._delays: dict[str, float] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ml-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    # -- control, from the test's thread ------------------------------------------------------------

    def start(self) -> "MlProxy":
        self._thread.start()
        self._call(self._open_client())
        self.up()
        return self

    def close(self) -> None:
        self.down()
        self._call(self._close_client())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def up(self) -> None:
        """Listen again (same port) and pass requests through."""
        self._call(self._listen())

    def down(self) -> None:
        """Refuse connections: stop listening and drop every open connection."""
        self._call(self._shut())

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def fail(self, path: str, status: int = 500, times: int | None = None) -> None:
        """Answer `status` to the next `times` requests to `path` (every one when None)."""
        self._failures[path] = (status, times)

    def delay(self, path: str, seconds: float) -> None:
        self._delays[path] = seconds

    def heal(self) -> None:
        self._failures.clear()
        self._delays.clear()

    def answered(self, path: str, status: int | None = None) -> list[Seen]:
        return [s for s in list(self.seen) if s.path == path and (status is None or s.status == status)]

    def _call(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    # -- on the proxy's loop ------------------------------------------------------------------------

    async def _open_client(self) -> None:
        self._client = httpx.AsyncClient(base_url=self.upstream, timeout=httpx.Timeout(None, connect=5.0))

    async def _close_client(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _shut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                try:
                    status, out_headers, content = await self._answer(method, path, headers, body)
                except asyncio.CancelledError:
                    self.seen.append(Seen(time.monotonic(), method, path, 0))
                    raise
                self.seen.append(Seen(time.monotonic(), method, path, status))
                writer.write(_response(status, out_headers, content))
                await writer.drain()
        except (asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            writer.transport.abort()  # a reset, not a polite close: what a crashed server looks like

    async def _answer(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        route = path.split("?", 1)[0]
        failure = self._failures.get(route)
        if failure is not None and failure[1] != 0:
            status, left = failure
            self._failures[route] = (status, None if left is None else left - 1)
            problem = {"type": "about:blank", "title": "Injected fault", "status": status, "detail": "injected fault"}
            return status, [("content-type", "application/problem+json")], json.dumps(problem).encode()
        if route in self._delays:
            await asyncio.sleep(self._delays[route])
        assert self._client is not None
        forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        try:
            response = await self._client.request(method, path, headers=forwarded, content=body)
        except httpx.TransportError:
            problem = {"title": "Bad gateway", "status": 502, "detail": "the ML service is unreachable"}
            return 502, [("content-type", "application/problem+json")], json.dumps(problem).encode()
        out = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        return response.status_code, out, response.content


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed its keep-alive connection
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
    body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


def _response(status: int, headers: list[tuple[str, str]], content: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {_reason(status)}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines += [f"content-length: {len(content)}", "connection: keep-alive"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
