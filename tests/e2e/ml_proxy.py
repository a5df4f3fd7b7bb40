"""A fault-injecting reverse proxy for the ML service, run in a thread of the test process.

The workers are pointed at the proxy instead of the ML service. The test then decides, at any
moment, what the workers see:

- `down()`: the proxy stops listening and drops every open connection (requests in flight included),
  so the workers get connection refused / reset until `up()` listens again on the same port;
- `fail(path, status, times)`: requests to that path get `status` with a problem body (the next
  `times` of them, or all), the rest pass;
- `delay(path, seconds)`: requests to that path are held that long before they are forwarded (a slow
  or busy ML service);
- `hold(path, video=None)`: requests to that path (for that video file) are forwarded at once, but
  their answers are held until `release(path, video)`: an inference that is still running, as the
  worker sees it, for as long as the test needs, on any hardware (a fast GPU may be done in 0.1 s);
- otherwise every request is forwarded to the real ML service and its answer sent back.

`open(path, task_id)` lists the requests received and not yet answered, with their stage: what
`tests.e2e.waits.wait_inference_in_flight` waits on.

It speaks just enough HTTP/1.1 for httpx: keep-alive, Content-Length bodies (no chunked requests).
"""

import asyncio
import json
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal

import httpx

from tests.e2e.processes import free_port

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic()
    method: str
    path: str
    status: int  # what the proxy answered; 0 when the connection was dropped before an answer


Stage = Literal["received", "delayed", "upstream", "held"]


@dataclass
class InFlight:
    """A request the proxy has received and not answered yet."""

    method: str
    route: str
    task_id: str | None  # from the JSON body of an inference request
    attempt: int | None
    video: str | None  # the file name of the body's video_path
    stage: Stage = "received"  # delayed: held before forwarding; upstream: at the ML service; held: its answer held


def _in_flight(method: str, route: str, body: bytes) -> InFlight:
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        parsed = {}
    if not isinstance(parsed, dict):
        parsed = {}
    task_id, attempt, video = parsed.get("task_id"), parsed.get("attempt"), parsed.get("video_path")
    return InFlight(
        method,
        route,
        str(task_id) if task_id is not None else None,
        attempt if isinstance(attempt, int) else None,
        PurePath(video).name if isinstance(video, str) else None,
    )


class MlProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[Seen] = []
        self._failures: dict[str, tuple[int, int | None]] = {}  # path -> (status, how many more or None)
        self._delays: dict[str, float] = {}
        self._holds: dict[tuple[str, str | None], asyncio.Event] = {}  # (path, video or None) -> released
        self._open: dict[int, InFlight] = {}  # id(request) -> the request, until it is answered or dropped
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

    def hold(self, path: str, video: str | None = None) -> None:
        """Forward requests to `path` (for the video file named `video`, or any) at once, but hold each
        answer until `release`: the ML service computes, the worker waits."""
        self._call(self._hold(path, video))

    def release(self, path: str, video: str | None = None) -> None:
        """Send the answers held by `hold(path, video)` and hold no more."""
        self._call(self._release(path, video))

    def heal(self) -> None:
        """No more failures, delays or holds (held answers are sent)."""
        self._failures.clear()
        self._delays.clear()
        self._call(self._release_all())

    def answered(self, path: str, status: int | None = None) -> list[Seen]:
        return [s for s in list(self.seen) if s.path == path and (status is None or s.status == status)]

    def open(self, path: str | None = None, task_id: str | None = None) -> list[InFlight]:
        """The requests received and not yet answered (to `path`, for `task_id`, when given)."""
        return [
            r
            for r in list(self._open.values())
            if (path is None or r.route == path) and (task_id is None or r.task_id == task_id)
        ]

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

    async def _hold(self, path: str, video: str | None) -> None:
        self._holds.setdefault((path, video), asyncio.Event())

    async def _release(self, path: str, video: str | None) -> None:
        released = self._holds.pop((path, video), None)
        if released is not None:
            released.set()

    async def _release_all(self) -> None:
        for key in list(self._holds):
            await self._release(*key)

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
                flight = _in_flight(method, path.split("?", 1)[0], body)
                self._open[id(flight)] = flight
                try:
                    status, out_headers, content = await self._answer(method, path, headers, body, flight)
                except asyncio.CancelledError:
                    self.seen.append(Seen(time.monotonic(), method, path, 0))
                    raise
                finally:
                    self._open.pop(id(flight), None)
                self.seen.append(Seen(time.monotonic(), method, path, status))
                writer.write(_response(status, out_headers, content))
                await writer.drain()
        except (asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            writer.transport.abort()  # a reset, not a polite close: what a crashed server looks like

    async def _answer(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes, flight: InFlight
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        route = flight.route
        failure = self._failures.get(route)
        if failure is not None and failure[1] != 0:
            status, left = failure
            self._failures[route] = (status, None if left is None else left - 1)
            problem = {"type": "about:blank", "title": "Injected fault", "status": status, "detail": "injected fault"}
            return status, [("content-type", "application/problem+json")], json.dumps(problem).encode()
        if route in self._delays:
            flight.stage = "delayed"
            await asyncio.sleep(self._delays[route])
        assert self._client is not None
        forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        flight.stage = "upstream"
        try:
            response = await self._client.request(method, path, headers=forwarded, content=body)
        except httpx.TransportError:
            problem = {"title": "Bad gateway", "status": 502, "detail": "the ML service is unreachable"}
            return 502, [("content-type", "application/problem+json")], json.dumps(problem).encode()
        held = self._holds.get((route, flight.video)) or self._holds.get((route, None))
        if held is not None:
            flight.stage = "held"
            await held.wait()
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
