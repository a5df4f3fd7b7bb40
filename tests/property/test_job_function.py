"""The worker's one job function, `run_task`, driven for real: a real `WorkerContainer` on the embedded
PostgreSQL and Valkey, arq's `Retry` as the job's answer, and a real HTTP ML service (an ASGI stub served
by uvicorn on a real port) that answers valid items for each analysis, or the failures the test injects:
5xx and 429 with and without Retry-After, 503 busy, 503 model-unavailable, a connection dropped
mid-answer, a read timeout, an answer about other content, or an answer held until the test lets it go.

1. A database failure at any step of the job (the k-th SQL statement, COPY or COMMIT fails before
   it runs, after it ran, or its connection's backend is killed) leaves all or nothing: COMPLETED
   with exactly its artifacts, runs and moments, or none of them; the job asks arq to run it again;
   a clean run then completes the task once, and later runs change nothing.
2. Cancel stops queued and running work: a job whose task was cancelled first does nothing (no ML
   call, no artifacts), whether it runs by itself or on arq's own worker (with the abort, or with the
   abort lost); a cancel (or a cancel and a retry) while the ML call is in flight is noticed by the
   heartbeat or the fenced write, and the task stays cancelled without artifacts.
3. 2 to 4 concurrent runs of the same job (and of stale attempts) complete the task exactly once.
4. A job cancelled mid-run (what arq does at shutdown after its grace period), at any database step or
   during the ML call, leaves its attempt PENDING or RUNNING (or COMPLETED, whole, when the cancel hit
   the final commit), never FAILED; running the job again completes it.
5. Transient failures back off within the retry policy's bounds (and never sooner than Retry-After),
   and the T-th leaves the task FAILED as transient; 503 busy never spends a try; permanent failures
   fail at once; a success before the T-th completes the task.

Each example seeds one video of 8 s (one analysis window, so one ML call and one checkpoint per task)
and one task, directly in SQL as discovery leaves it.

Event loops: everything the test drives (the containers, its own engine and clients) runs on a loop this
module owns through an `asyncio.Runner`; the ML stub runs on uvicorn's loop in a thread of its own and
tells the test what happened through `call_soon_threadsafe`. Hypothesis reuses the module's fixtures
across examples, so each example empties both stores itself.
"""

import asyncio
import itertools
import json
import logging
import math
import re
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import asyncpg
import pytest
from arq import Retry, Worker
from arq.constants import result_key_prefix
from arq.worker import func
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import await_only

from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.contracts.jobs import RunTaskJob
from framewise.contracts.ml import InferenceRequest, ml_result_key
from framewise.domain.analyses import CATALOGUE, analysis_of
from framewise.domain.artifact import validate_payload
from framewise.domain.moments import moments_of
from framewise.domain.provenance import Config, config_hash
from framewise.domain.routing import TaskType
from framewise.domain.task import Task, job_id_for
from framewise.domain.video import FileStat, MediaInfo, Video
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.tables import artifacts, moments, runs
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, redis_settings
from framewise.infrastructure.queue.serialization import deserialize, serialize
from framewise_worker.container import WorkerContainer
from framewise_worker.job import run_task
from framewise_worker.settings import WorkerSettings
from tests.served import Served

pytestmark = [
    pytest.mark.property,
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),  # arq's own Worker.close
]

T = TypeVar("T")
TOKEN = "job-function-property-token-0123"
PROBLEM = "https://framewise.dev/problems/"
VIDEO_NAME = "clip.mp4"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(256)  # never decoded: the ML service is the stub
ANALYSIS_AT = {a.endpoint: a for a in CATALOGUE}
HEALTH = json.dumps({"status": "healthy", "models": {e: {"state": "ready", "reason": None} for e in ANALYSIS_AT}})
# One bug at a time: shrinking several at once replays hundreds of examples of real I/O.
EXAMPLES = settings(
    max_examples=100, deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow]
)
WAIT_S = 30.0  # the longest any wait on observable state may take before the test fails


async def within(awaitable: Awaitable[T], seconds: float, what: str) -> T:
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        pytest.fail(f"{what}: not within {seconds:g} s")


# --- the ML service: a real HTTP server whose every answer the test scripts --------------------------


@dataclass(frozen=True)
class Reply:
    """What the stub does with one `/infer` request.

    ok: valid items for the analysis, with the video's content hash; foreign: the same about other
    content; hold: ok once the test releases it; error: `status` with a problem document of kind
    `problem` (a plain body when None) and Retry-After `retry_after`; drop: the connection closes in the
    middle of the answer; timeout: no answer before the client's read timeout."""

    kind: str = "ok"
    status: int = 200
    problem: str | None = None
    retry_after: str | None = None


OK, HOLD = Reply(), Reply("hold")


class _Dropped(Exception):
    """Raised by the stub in the middle of an answer: uvicorn then closes the connection."""


async def _read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def _respond(
    send: Callable[[dict[str, Any]], Awaitable[None]],
    status: int,
    body: bytes,
    headers: tuple[tuple[str, str], ...] = (),
    content_type: str = "application/json",
) -> None:
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class MlStub:
    """An ASGI app speaking the ML service's contract: `/health` with every model ready, and
    `POST /infer/{endpoint}` (bearer token required) answered as the example's script says, then `OK`.
    Like the real service it can keep each job's answer in Valkey under the job's name."""

    def __init__(self, valkey_url: str, test_loop: asyncio.AbstractEventLoop) -> None:
        self.url = ""
        self._lock = threading.Lock()
        self._test_loop = test_loop
        self._server_loop: asyncio.AbstractEventLoop | None = None
        self._valkey = SyncRedis.from_url(valkey_url)
        self._script: deque[Reply] = deque()
        self._release = asyncio.Event()
        self._changed: asyncio.Event | None = None
        self.requests: list[InferenceRequest] = []
        self.in_flight = 0
        self.items: list[dict[str, Any]] = []
        self.input_hash = "unset"
        self.keep = False

    # -- the test's side, on the test's loop ----------------------------------------------------------

    def begin(
        self, *, items: list[dict[str, Any]], input_hash: str, keep: bool = False, script: tuple[Reply, ...] = ()
    ) -> None:
        with self._lock:
            assert self.in_flight == 0, "a request of an earlier example is still open"
            self._script = deque(script)
            self.requests = []
            self.items, self.input_hash, self.keep = items, input_hash, keep
            self._release = asyncio.Event()

    def release(self) -> None:
        """Let every held request (and every request waiting out its timeout) answer."""
        released = self._release
        if self._server_loop is not None:
            self._server_loop.call_soon_threadsafe(released.set)

    async def until(self, done: Callable[[], bool], what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while True:
            self._changed = changed = asyncio.Event()
            if done():
                return
            if loop.time() > deadline:
                pytest.fail(f"{what}: not within {WAIT_S:g} s")
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), max(0.0, deadline - loop.time()))

    async def arrived(self, n: int) -> None:
        await self.until(lambda: len(self.requests) >= n, f"{n} ML request(s) arrived")

    async def settle(self) -> None:
        """Release what is held and wait until every request the stub took has been answered."""
        self.release()
        await self.until(lambda: self.in_flight == 0, "the ML stub's open requests answered")

    def _poke(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _notify(self) -> None:
        self._test_loop.call_soon_threadsafe(self._poke)

    # -- the server's side, on uvicorn's loop ---------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path = scope["path"]
        if path == "/health":
            await _respond(send, 200, HEALTH.encode())
            return
        analysis = ANALYSIS_AT.get(path.removeprefix("/infer/")) if path.startswith("/infer/") else None
        if analysis is None or scope["method"] != "POST":
            await _respond(send, 404, b'{"detail": "no such route"}')
            return
        body = await _read_body(receive)
        if dict(scope["headers"]).get(b"authorization") != f"Bearer {TOKEN}".encode():
            await _respond(send, 401, b'{"detail": "missing or wrong bearer token"}')
            return
        request = InferenceRequest.model_validate_json(body)
        with self._lock:
            reply = self._script.popleft() if self._script else OK
            self.requests.append(request)
            self.in_flight += 1
            released = self._release
        self._notify()
        try:
            await self._answer(reply, analysis.task_type, request, released, send)
        finally:
            with self._lock:
                self.in_flight -= 1
            self._notify()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._server_loop = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(
        self, reply: Reply, task_type: TaskType, request: InferenceRequest, released: asyncio.Event, send: Any
    ) -> None:
        if reply.kind in ("hold", "timeout"):
            with suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), 60)
        if reply.kind == "timeout":
            await _respond(send, 504, b'{"detail": "answered after the client gave up"}')
        elif reply.kind == "drop":
            headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"task_type": ', "more_body": True})
            raise _Dropped("the ML stub drops the connection in the middle of its answer")
        elif reply.kind == "error":
            problem = {"type": PROBLEM + reply.problem, "title": reply.problem} if reply.problem else {}
            body = json.dumps({**problem, "status": reply.status, "detail": "injected by the test"}).encode()
            headers = (("retry-after", reply.retry_after),) if reply.retry_after is not None else ()
            await _respond(send, reply.status, body, headers, "application/problem+json")
        else:
            await _respond(send, 200, self._result(task_type, request, foreign=reply.kind == "foreign"))

    def _result(self, task_type: TaskType, request: InferenceRequest, *, foreign: bool) -> bytes:
        answer = {
            "task_type": task_type.value,
            "items": self.items,
            "provenance": {
                "producer": "job-function-stub",
                "producer_version": "1",
                "model_profile": "default",
                "config_hash": config_hash(request.config),
                "input_hash": "fw1:other-content" if foreign else self.input_hash,
                "run_id": uuid4().hex,
                "device": "cpu",
                "weights": "none",
            },
            "timings": {"queue_wait_ms": 0.0, "decode_ms": 0.0, "inference_ms": 1.0, "total_ms": 1.0},
            "task_id": str(request.task_id) if request.task_id else None,
            "attempt": request.attempt,
            "start_ms": request.start_ms,
            "end_ms": request.end_ms,
        }
        raw = json.dumps(answer).encode()
        if self.keep and request.task_id is not None and request.attempt is not None:
            self._valkey.set(ml_result_key(request.task_id, request.attempt), raw, ex=600)
        return raw


# --- database faults: the job's k-th SQL statement, COPY or COMMIT ----------------------------------


def label_of(statement: str) -> str:
    """`SELECT tasks FOR UPDATE`, `DELETE runs`, `INSERT runs`, `UPDATE tasks`."""
    verb = statement.split(None, 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement, re.IGNORECASE)
    locked = " FOR UPDATE" if re.search(r"\bFOR UPDATE\b", statement, re.IGNORECASE) else ""
    return f"{verb} {table.group(1) if table else '?'}{locked}"


def _values(parameters: Any) -> list[Any]:
    if isinstance(parameters, dict):
        return list(parameters.values())
    if isinstance(parameters, list | tuple):
        return list(parameters)
    return []


@dataclass
class Plan:
    """At the job's `step`-th database operation: `os` (an OSError before it), `dbapi` (the driver's
    OperationalError before it; at a COPY, which bypasses SQLAlchemy, a kill), `kill` (its connection's
    backend terminated before it), `after` (it runs, then an OSError: a lost acknowledgement), or
    `cancel` (the job's asyncio task cancelled while it awaits the operation)."""

    step: int
    mode: str
    target: "asyncio.Future[Any] | None" = None


class DbFaults:
    """Counts the job's database operations on the containers' engines and injects one fault."""

    def __init__(self, admin: asyncpg.Connection) -> None:
        self.admin = admin
        self.armed = False
        self.ops: list[str] = []
        self.plan: Plan | None = None
        self.fired: str | None = None
        self.completed_writes = 0  # UPDATE tasks statements that set COMPLETED
        self.artifact_copies = 0  # COPYs into artifacts that went through
        self._raise_after = False

    def arm(self, plan: Plan | None = None) -> None:
        self.armed, self.ops, self.plan, self.fired = True, [], plan, None
        self.completed_writes = self.artifact_copies = 0
        self._raise_after = False

    def disarm(self) -> None:
        self.armed, self.plan = False, None

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        sa_event.listen(sync, "before_cursor_execute", self._before_statement)
        sa_event.listen(sync, "after_cursor_execute", self._after_statement)
        dialect = sync.dialect
        commit = dialect.do_commit
        operational = dialect.loaded_dbapi.OperationalError

        def do_commit(dbapi_connection: Any) -> None:
            label = f"COMMIT {1 + sum(op.startswith('COMMIT') for op in self.ops)}"  # the job's first, second
            self._before_sync(label, dbapi_connection.driver_connection, operational)
            commit(dbapi_connection)
            self._after()

        dialect.do_commit = do_commit  # type: ignore[method-assign]

    def copy_wrapper(self, original: Callable[..., Awaitable[str]]) -> Callable[..., Awaitable[str]]:
        faults = self

        async def copy_records_to_table(connection: asyncpg.Connection, table_name: str, **kwargs: Any) -> str:
            label = f"COPY {table_name}"
            mode = faults._decide(label)
            if mode in ("kill", "dbapi"):  # asyncpg's own errors: the connection really goes
                await faults._kill(connection)
            else:
                faults._act(mode, label, ConnectionResetError)
            result = await original(connection, table_name, **kwargs)
            if faults.armed and table_name == "artifacts":
                faults.artifact_copies += 1
            faults._after()
            return result

        return copy_records_to_table

    def _decide(self, label: str) -> str | None:
        if not self.armed:
            return None
        self.ops.append(label)
        plan = self.plan
        if plan is None or self.fired is not None or len(self.ops) != plan.step:
            return None
        self.fired = label
        return plan.mode

    def _before_sync(self, label: str, driver: asyncpg.Connection, dbapi_error: type[Exception]) -> None:
        mode = self._decide(label)
        if mode == "kill":
            await_only(self._kill(driver))  # inside SQLAlchemy's greenlet: the loop awaits it
        else:
            self._act(mode, label, dbapi_error)

    def _act(self, mode: str | None, label: str, dbapi_error: type[Exception]) -> None:
        if mode == "os":
            raise ConnectionResetError(f"injected: connection reset before {label}")
        if mode == "dbapi":
            raise dbapi_error(f"injected: server closed the connection before {label}")
        if mode == "after":
            self._raise_after = True
        if mode == "cancel":
            assert self.plan is not None and self.plan.target is not None
            self.plan.target.cancel()

    def _after(self) -> None:
        if self._raise_after:
            self._raise_after = False
            raise ConnectionResetError("injected: connection reset after the operation went through")

    async def _kill(self, driver: asyncpg.Connection) -> None:
        assert await self.admin.fetchval("SELECT pg_terminate_backend($1, 5000)", driver.get_server_pid())

    def _before_statement(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self._before_sync(
            label_of(statement), conn.connection.driver_connection, conn.dialect.loaded_dbapi.OperationalError
        )

    def _after_statement(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.armed and statement.lstrip().upper().startswith("UPDATE TASKS") and "COMPLETED" in _values(parameters):
            self.completed_writes += 1
        self._after()


# --- the harness: the module's loop, stores, stub and containers ------------------------------------


@dataclass(frozen=True)
class Case:
    """One task to run: its analysis, the items the ML service answers, its config, and where it
    stands (attempt number; `resumed`: RUNNING between tries after a transient failure)."""

    task_type: TaskType
    items: list[dict[str, Any]]
    config: Config
    resumed: bool = False
    attempt: int = 1


@dataclass(frozen=True)
class Expected:
    """What a COMPLETED task of a case stores."""

    task_id: UUID
    attempt: int
    content_hash: str
    config_hash: str
    payloads: list[str]  # canonical JSON, sorted
    moments: int

    @classmethod
    def of(cls, case: Case, task: Task, content_hash: str, attempt: int | None = None) -> "Expected":
        payloads = [validate_payload(case.task_type, i).model_dump(mode="json", exclude_none=True) for i in case.items]
        artifact_type = analysis_of(case.task_type).artifact_type
        found = moments_of(artifact_type, payloads, config=case.config, run_id="expected")
        return cls(
            task.id,
            attempt or task.attempt,
            content_hash,
            config_hash(case.config),
            sorted(canon(p) for p in payloads),
            len(found),
        )


def canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class Stored:
    """Every row the job may have written (each example's stores hold one video and one task)."""

    task: dict[str, Any]
    artifacts: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    moments: list[dict[str, Any]]

    @property
    def status(self) -> str:
        return str(self.task["status"])

    @property
    def artifact_ids(self) -> set[UUID]:
        return {a["id"] for a in self.artifacts}


@dataclass(frozen=True)
class Job:
    task_id: UUID
    attempt: int
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    @classmethod
    def of(cls, task: Task, attempt: int, form: str = "keywords") -> "Job":
        """The job as arq hands it over: keywords (with or without the task type, as jobs queued before
        it travelled were), or positional arguments (older jobs)."""
        job = RunTaskJob(
            task_id=task.id,
            attempt=attempt,
            correlation_id=task.correlation_id,
            task_type=None if form == "untyped" else task.task_type,
        )
        if form == "positional":
            return cls(task.id, attempt, (str(task.id), attempt, task.correlation_id, task.task_type.value), {})
        return cls(task.id, attempt, (), job.arguments())

    @property
    def job_id(self) -> str:
        return job_id_for(self.task_id, self.attempt)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Ran:
    """How `run_task` ended: the outcome it returned, arq's Retry (its defer in ms), or another error."""

    returned: str | None = None
    retry_ms: int | None = None
    error: BaseException | None = None


async def call(container: WorkerContainer, job: Job) -> Ran:
    ctx = {"container": container, "job_id": job.job_id, "job_try": 1}
    try:
        return Ran(returned=await run_task(ctx, *job.args, **job.kwargs))
    except Retry as exc:
        return Ran(retry_ms=exc.defer_score)
    except Exception as exc:  # noqa: BLE001 - what escapes the job is what arq would record: the test reports it
        return Ran(error=exc)


@dataclass
class Harness:
    runner: asyncio.Runner
    stub: MlStub
    faults: DbFaults
    engine: AsyncEngine
    redis: Redis
    database_url: str
    valkey_url: str
    root: str
    containers: dict[str, WorkerContainer] = field(default_factory=dict)
    spawned: list["asyncio.Future[Any]"] = field(default_factory=list)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def spawn(self, coroutine: Coroutine[Any, Any, T]) -> "asyncio.Future[T]":
        """A job running concurrently with the example; one an example left behind (it failed) is
        cancelled before the next example, so that no transaction of it holds a lock meanwhile."""
        running = asyncio.ensure_future(coroutine)
        self.spawned.append(running)
        return running

    async def reap(self) -> None:
        left, self.spawned = [f for f in self.spawned if not f.done()], []
        for running in left:
            running.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    def settings(self, **overrides: Any) -> WorkerSettings:
        values: dict[str, Any] = {
            "database_url": self.database_url,
            "valkey_url": self.valkey_url,
            "ml_service_url": self.stub.url,
            "media_roots": [self.root],
            "ml_token": TOKEN,
            "gpu_concurrency": 4,
            "cpu_concurrency": 4,
            "ml_calls_per_try": 1,
            "ml_call_backoff_s": 0.001,
            "ml_call_backoff_max_s": 0.002,
            "tries_per_attempt": 5,
            "retry_backoff_s": 2.0,
            "retry_backoff_max_s": 120.0,
            "attempts_per_task": 3,
            "unavailable_recheck_s": 30.0,
            "ml_request_timeout_s": 60.0,
            "heartbeat_s": 10.0,
            "lease_s": 45.0,
            "analysis_window_s": 300.0,  # one window per task: the video is 8 s long
            "analysis_windows": [],
            **overrides,
        }
        return WorkerSettings(_env_file=None, **values)  # type: ignore[call-arg]

    async def container(self, name: str, **overrides: Any) -> WorkerContainer:
        """One container per kind for the whole module (its pool, Valkey client and ML client shared by
        every example, as a worker process shares them between its jobs)."""
        if name not in self.containers:
            opened = await WorkerContainer.open(self.settings(**overrides))
            self.faults.attach(opened.engine)
            self.containers[name], self.overrides[name] = opened, overrides
        return self.containers[name]

    async def variant(self, name: str, **overrides: Any) -> WorkerContainer:
        """The container `name` with other retry settings: its connections, a policy of its own."""
        base = await self.container(name)
        changed = self.settings(**{**self.overrides[name], **overrides})
        return replace(base, settings=changed, policy=changed.retry_policy())

    async def fresh(self, case: Case, *, keep: bool = False, script: tuple[Reply, ...] = ()) -> tuple[Task, str]:
        """Empty stores, one READY video and its task as the case says; the stub set to answer it."""
        await self.reap()
        await self.stub.settle()
        async with self.engine.begin() as connection:
            await connection.execute(text("SET LOCAL lock_timeout = '10s'"))  # fail, never hang, on a lock left
            await connection.execute(text("TRUNCATE videos, tasks, artifacts CASCADE"))
        await self.redis.flushall()
        now = datetime.now(UTC)
        content_hash = f"fw1:{uuid4().hex}"
        stat = FileStat(self.root, VIDEO_NAME, len(VIDEO_BYTES), 1_700_000_000.0)
        video = Video.register(stat, content_hash, MediaInfo(DURATION_MS, 25.0, 64, 48, False), None, now)
        task = Task.create(
            video_id=video.id, task_type=case.task_type, config=case.config, now=now, correlation_id="job-fn"
        )
        task.enqueue(now)
        for _ in range(case.attempt - 1):  # earlier attempts were cancelled and retried
            task.cancel(now)
            task.retry(now)
        if case.resumed:
            task.start(task.attempt, now - timedelta(seconds=1))
            task.note_transient_failure(task.attempt, "an earlier try failed", now, 0.0)
        uow = SqlUnitOfWork(session_factory(self.engine))
        async with uow:
            await uow.videos.add(video)
            await uow.tasks.add(task)
            await uow.commit()
        self.stub.begin(items=case.items, input_hash=content_hash, keep=keep, script=script)
        return task, content_hash

    async def stored(self, task_id: UUID) -> Stored:
        async with self.engine.connect() as connection:
            query = text("SELECT * FROM tasks WHERE id = :id")
            task = dict((await connection.execute(query, {"id": task_id})).mappings().one())
            a, r, m = artifacts.c, runs.c, moments.c
            return Stored(
                task,
                await rows(connection, a.id, a.task_id, a.attempt, a.run_id, a.payload),
                await rows(connection, r.run_id, r.task_id, r.input_hash, r.config_hash),
                await rows(connection, m.run_id, m.task_id),
            )


async def rows(connection: AsyncConnection, *columns: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in (await connection.execute(select(*columns))).mappings()]


@pytest.fixture(scope="module")
def h(database_url: str, valkey_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    root = tmp_path_factory.mktemp("job-function-media").resolve()
    (root / VIDEO_NAME).write_bytes(VIDEO_BYTES)
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)  # never touches the current loop
    stub = MlStub(valkey_url, runner.get_loop())
    uvicorn_errors = logging.getLogger("uvicorn.error")
    was_disabled, uvicorn_errors.disabled = uvicorn_errors.disabled, True  # the dropped connections' tracebacks

    async def open_harness(url: str) -> Harness:
        admin = await asyncpg.connect(database_url)
        harness = Harness(
            runner,
            stub,
            DbFaults(admin),
            create_engine(database_url),
            Redis.from_url(valkey_url),
            database_url,
            valkey_url,
            str(root),
        )
        stub.url = url
        return harness

    async def close_harness(harness: Harness) -> None:
        await harness.reap()
        await harness.stub.settle()
        for container in harness.containers.values():
            await container.close()
        await harness.faults.admin.close()
        await harness.redis.aclose()
        await harness.engine.dispose()

    try:
        with pytest.MonkeyPatch.context() as patch, Served(stub) as served:
            harness = runner.run(open_harness(served.url))
            original = asyncpg.connection.Connection.copy_records_to_table
            patch.setattr(asyncpg.connection.Connection, "copy_records_to_table", harness.faults.copy_wrapper(original))
            try:
                yield harness
            finally:
                runner.run(close_harness(harness))
    finally:
        runner.close()
        uvicorn_errors.disabled = was_disabled


# --- what a case may be -----------------------------------------------------------------------------

BOX = {"x1": 10.0, "y1": 20.0, "x2": 110.0, "y2": 220.0}
SQUARE = [{"x": 10.0, "y": 20.0}, {"x": 110.0, "y": 20.0}, {"x": 110.0, "y": 60.0}, {"x": 10.0, "y": 60.0}]
CONFIDENCE = st.sampled_from([0.25, 0.5, 0.75, 0.9, 1.0])
LABELS = st.sampled_from(["person", "dog", "car"])
TEXTS = st.sampled_from(["EXIT", "EXlT", "OPEN", "Framewise", "no entry"])
DURATION_MS = 8_000  # the seeded video's length: one analysis window (ANALYSIS_WINDOW_S is far longer)
FRAMES = st.integers(0, 15).map(lambda k: {"frame_index": k * 12, "timestamp_ms": k * 500})
SPEECH = st.tuples(st.integers(0, 6_000), st.integers(1, 1_900))


def scenes(cuts: list[int], end_ms: int) -> list[dict[str, Any]]:
    bounds = [0, *sorted(cuts), end_ms]
    return [{"scene_index": i, "start_ms": a, "end_ms": b} for i, (a, b) in enumerate(itertools.pairwise(bounds))]


@st.composite
def scene_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Scenes as one pass over the whole video finds them: from 0, back to back, split at each cut."""
    cuts = draw(st.lists(st.integers(1, 6_000), unique=True, max_size=3))
    return scenes(cuts, draw(st.integers(max(cuts, default=0) + 1, DURATION_MS)))


def items_of(task_type: TaskType) -> st.SearchStrategy[list[dict[str, Any]]]:
    """What one pass of the analysis over the seeded video may answer: 1 to 4 items that pass its
    payload schema, inside the video (so that a windowed run stores them as they are)."""
    endpoint = analysis_of(task_type).endpoint
    if endpoint == "scenes":
        return scene_lists()
    if endpoint == "objects":
        item = st.builds(
            lambda f, label, c, track: {**f, "label": label, "confidence": c, "bbox": BOX, "track_id": track},
            FRAMES, LABELS, CONFIDENCE, st.integers(0, 3),
        )  # fmt: skip
    elif endpoint == "faces":
        item = st.builds(lambda f, c: {**f, "confidence": c, "bbox": BOX}, FRAMES, CONFIDENCE)
    elif endpoint == "ocr":
        item = st.builds(
            lambda f, t, c: {**f, "text": t, "confidence": c, "polygon": SQUARE}, FRAMES, TEXTS, CONFIDENCE
        )
    elif endpoint == "places":
        item = st.builds(
            lambda f, label, c: {**f, "predictions": [{"label": label, "confidence": c}]}, FRAMES, LABELS, CONFIDENCE
        )
    else:
        item = st.builds(
            lambda s, t: {"text": t, "start_ms": s[0], "end_ms": s[0] + s[1], "language": "en"}, SPEECH, TEXTS
        )
    return st.lists(item, min_size=1, max_size=4)


@st.composite
def cases(draw: st.DrawFn, *, resumable: bool = True, max_attempt: int = 1) -> Case:
    task_type = draw(st.sampled_from(TaskType))
    return Case(
        task_type=task_type,
        items=draw(items_of(task_type)),
        config=draw(st.sampled_from([{}, {"interval_ms": 500}])),
        resumed=draw(st.booleans()) if resumable else False,
        attempt=draw(st.integers(1, max_attempt)),
    )


JOB_FORMS = st.sampled_from(["keywords", "untyped", "positional"])


# --- what a stored task may be ------------------------------------------------------------------------


def check_all_or_nothing(s: Stored, expected: Expected) -> None:
    """COMPLETED with exactly its results (one run, its artifacts and moments), or no result at all."""
    if s.status != "COMPLETED":
        assert (s.artifacts, s.runs, s.moments) == ([], [], []), f"{s.status} task with stored results: {s}"
        return
    assert len(s.runs) == 1, f"COMPLETED with {len(s.runs)} runs: {s.runs}"
    run = s.runs[0]
    assert (run["task_id"], run["input_hash"], run["config_hash"]) == (
        expected.task_id,
        expected.content_hash,
        expected.config_hash,
    ), run
    assert sorted(canon(a["payload"]) for a in s.artifacts) == expected.payloads, "COMPLETED without its artifacts"
    assert {(a["task_id"], a["attempt"], a["run_id"]) for a in s.artifacts} == {
        (expected.task_id, expected.attempt, run["run_id"])
    }
    assert len(s.moments) == expected.moments, f"{len(s.moments)} moments, expected {expected.moments}"
    assert all((m["task_id"], m["run_id"]) == (expected.task_id, run["run_id"]) for m in s.moments)
    task = s.task
    assert (task["attempt"], task["progress"], task["error"], task["error_kind"]) == (expected.attempt, 1.0, None, None)
    assert task["completed_at"] is not None


def check_attempt_kept(s: Stored, before: Stored) -> None:
    """A failure of the store (or a shutdown) decides nothing: no try spent, no attempt lost."""
    assert s.status in ("PENDING", "RUNNING", "COMPLETED"), f"the attempt ended {s.status}: {s.task}"
    assert (s.task["attempt"], s.task["job_id"]) == (before.task["attempt"], before.task["job_id"])
    if s.status != "COMPLETED":
        assert (s.task["transient_failures"], s.task["error_kind"]) == (
            before.task["transient_failures"],
            before.task["error_kind"],
        ), "a database failure was counted as a failed try"


class Completion:
    """Once COMPLETED, the task keeps the same completion: completed_at and artifacts never rewritten."""

    def __init__(self) -> None:
        self.completed_at: datetime | None = None
        self.artifact_ids: set[UUID] = set()

    def see(self, s: Stored) -> None:
        if self.completed_at is not None:
            assert s.status == "COMPLETED", f"a COMPLETED task went back to {s.status}"
            assert s.task["completed_at"] == self.completed_at, "COMPLETED a second time"
            assert s.artifact_ids == self.artifact_ids, "the artifacts of a COMPLETED task were written again"
        elif s.status == "COMPLETED":
            self.completed_at, self.artifact_ids = s.task["completed_at"], s.artifact_ids

    @property
    def done(self) -> bool:
        return self.completed_at is not None


# --- 1. atomicity under a database failure at every step ---------------------------------------------

FAULT_MODES = st.sampled_from(["os", "dbapi", "kill", "after"])
MAX_STEPS = 20  # more than the database operations of one run of the job


async def fault_once(h: Harness, c: WorkerContainer, job: Job, plan: Plan) -> tuple[Ran, str | None, list[str]]:
    h.faults.arm(plan)
    try:
        ran = await call(c, job)
    finally:
        fired, ops = h.faults.fired, list(h.faults.ops)
        h.faults.disarm()
    return ran, fired, ops


async def atomicity(h: Harness, case: Case, form: str, keep: bool, faults: list[tuple[int, str]]) -> None:
    c = await h.container("plain")
    task, content = await h.fresh(case, keep=keep)
    expected, job = Expected.of(case, task, content), Job.of(task, task.attempt, form)
    seeded, completion = await h.stored(task.id), Completion()
    for step, mode in faults:
        was_done = completion.done
        ran, fired, ops = await fault_once(h, c, job, Plan(step, mode))
        event(f"fault: {mode} at {fired or 'no step (the job has fewer)'}")
        if fired:  # nothing was decided: the same attempt goes back on the queue, after a while
            assert ran.retry_ms is not None and ran.retry_ms > 0, (
                f"a database failure ({mode} at step {step}, {fired}; the job's steps: {ops}) ended the job with "
                f"{ran}, not with arq's Retry"
            )
        else:
            assert ran.returned == ("skipped" if was_done else "completed"), (ran, ops)
        now = await h.stored(task.id)
        check_all_or_nothing(now, expected)
        check_attempt_kept(now, seeded)
        completion.see(now)
    asked = len(h.stub.requests)
    ran = await call(c, job)  # the job again, the store healthy
    assert ran.returned == ("skipped" if completion.done else "completed"), ran
    if completion.done:
        assert len(h.stub.requests) == asked, "a job of a COMPLETED task called the ML service"
    elif len(h.stub.requests) == asked:
        event("the rerun reused the result the ML service kept")
    final = await h.stored(task.id)
    assert final.status == "COMPLETED"
    check_all_or_nothing(final, expected)
    completion.see(final)
    assert (await call(c, job)).returned == "skipped"  # arq delivering it once more changes nothing
    completion.see(await h.stored(task.id))


@EXAMPLES
@given(
    case=cases(),
    form=JOB_FORMS,
    keep=st.booleans(),
    faults=st.lists(st.tuples(st.integers(1, MAX_STEPS), FAULT_MODES), min_size=1, max_size=3),
)
def test_a_database_failure_at_any_step_leaves_all_or_nothing_and_a_clean_rerun_completes_once(
    h: Harness, case: Case, form: str, keep: bool, faults: list[tuple[int, str]]
) -> None:
    h.run(atomicity(h, case, form, keep, faults))


# --- 2. cancel stops queued and running work ---------------------------------------------------------


def arq_worker(c: WorkerContainer, task: Task, valkey_url: str) -> Worker:
    """arq's own worker for the task's queue, running the real job function with this container."""
    return Worker(
        functions=[func(run_task, name="run_task")],
        queue_name=task.queue.value,
        redis_settings=redis_settings(valkey_url),
        ctx={"container": c},
        job_serializer=serialize,
        job_deserializer=deserialize,
        allow_abort_jobs=True,
        handle_signals=False,
        poll_delay=0.01,
        keep_result=60,
        burst=True,  # returns once the queue is empty
    )


class AbortLost:
    """The queue as a cancel sees it when Valkey is away: the cancel commits, its abort never lands."""

    async def abort(self, job: Any) -> None:
        return None


async def cancelled_first(h: Harness, case: Case, how: str, form: str) -> None:
    c = await h.container("plain")
    task, _ = await h.fresh(case, keep=True)
    queue = ArqJobQueue(c.valkey)
    assert await queue.push(task.job())
    lost_abort = how == "worker, abort lost"  # the cancel committed, its abort never reached Valkey
    await TaskCanceller(SqlUnitOfWork(c.sessions), AbortLost() if lost_abort else queue, SystemClock()).execute(task.id)
    cancelled = await h.stored(task.id)
    job = Job.of(task, task.attempt, form)
    event(f"{how}, the task {'resumed' if case.resumed else 'pending'} when cancelled")
    if how == "by itself":  # the worker had taken the job before the abort landed
        assert (await call(c, job)).returned == "skipped"
    else:
        worker = arq_worker(c, task, h.valkey_url)
        try:
            await within(worker.async_run(), WAIT_S, "arq's worker emptied the queue")
        finally:
            await worker.close()
        ran = (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried)
        if lost_abort:
            assert ran == (1, 0, 0), worker
            result = await c.valkey.get(result_key_prefix + job.job_id)
            assert result is not None and deserialize(result)["r"] == "skipped"
        else:
            assert ran == (0, 0, 0), f"an aborted job ran: {worker}"
    assert h.stub.requests == [], "the job of a cancelled task called the ML service"
    after = await h.stored(task.id)
    assert after == cancelled, "the job of a cancelled task changed it"
    assert after.status == "CANCELLED" and after.task["attempt"] == task.attempt


@EXAMPLES
@given(case=cases(), how=st.sampled_from(["by itself", "worker, job aborted", "worker, abort lost"]), form=JOB_FORMS)
def test_a_job_whose_task_was_cancelled_first_does_nothing(h: Harness, case: Case, how: str, form: str) -> None:
    h.run(cancelled_first(h, case, how, form))


async def cancelled_in_flight(h: Harness, case: Case, then: str, answer: str, form: str) -> None:
    c = await h.container("beating", heartbeat_s=0.05, lease_s=1.0)
    task, content = await h.fresh(case, script=(HOLD,))
    job = Job.of(task, task.attempt, form)
    running = h.spawn(call(c, job))
    await h.stub.arrived(1)  # the ML call is in flight
    assert (await h.stored(task.id)).status == "RUNNING"
    uow, queue = SqlUnitOfWork(c.sessions), ArqJobQueue(c.valkey)
    await TaskCanceller(uow, queue, SystemClock()).execute(task.id)
    if then == "cancel, then retry":
        await TaskRetrier(uow, queue, SystemClock()).execute(task.id)
    if answer == "answered at once":  # the answer races the next heartbeat
        h.stub.release()
    ran = await within(running, WAIT_S, "the running job stopped after the cancel")
    assert ran.returned == "skipped", ran
    event(f"{then}, {answer}")
    await h.stub.settle()
    after = await h.stored(task.id)
    assert (after.artifacts, after.runs, after.moments) == ([], [], []), "a cancelled attempt stored results"
    if then == "cancel":
        assert (after.status, after.task["attempt"]) == ("CANCELLED", task.attempt)
        assert (await call(c, job)).returned == "skipped"
        assert await h.stored(task.id) == after
        return
    assert (after.status, after.task["attempt"]) == ("PENDING", task.attempt + 1)
    retried = Job.of(task, task.attempt + 1)
    assert (await call(c, retried)).returned == "completed"  # the retry's own job runs as usual
    check_all_or_nothing(await h.stored(task.id), Expected.of(case, task, content, task.attempt + 1))


@EXAMPLES
@given(
    case=cases(),
    then=st.sampled_from(["cancel", "cancel, then retry"]),
    answer=st.sampled_from(["held", "answered at once"]),
    form=JOB_FORMS,
)
def test_a_cancel_while_the_ml_call_is_in_flight_leaves_the_task_cancelled_without_artifacts(
    h: Harness, case: Case, then: str, answer: str, form: str
) -> None:
    h.run(cancelled_in_flight(h, case, then, answer, form))


# --- 3. N workers never complete a task twice --------------------------------------------------------


async def concurrent_runs(h: Harness, case: Case, calls: list[tuple[int, str]], gate: bool) -> None:
    c = await h.container("plain")
    task, content = await h.fresh(case)
    current = task.attempt
    jobs = [Job.of(task, max(1, current - behind), form) for behind, form in calls]
    live = sum(j.attempt == current for j in jobs)
    h.stub.begin(items=case.items, input_hash=content, script=(HOLD,) * live if gate else ())
    seeded = await h.stored(task.id)
    h.faults.arm()  # counting only
    try:
        running = [h.spawn(call(c, j)) for j in jobs]
        if gate and live:  # every live job reaches the ML service before any may write
            await h.stub.arrived(live)
            h.stub.release()
        results = await within(asyncio.gather(*running), WAIT_S, "the concurrent jobs ended")
    finally:
        writes, copies = h.faults.completed_writes, h.faults.artifact_copies
        h.faults.disarm()
    event(f"{len(jobs)} runs, {live} of the current attempt, gate={gate}")
    outcomes = [r.returned for r in results]
    assert all(r.error is None and r.retry_ms is None for r in results), results
    assert all(o == "skipped" for j, o in zip(jobs, outcomes, strict=True) if j.attempt != current), outcomes
    assert {r.attempt for r in h.stub.requests} <= {current}, "a stale attempt called the ML service"
    after = await h.stored(task.id)
    check_all_or_nothing(after, Expected.of(case, task, content))
    if not live:
        assert (outcomes.count("completed"), writes, copies) == (0, 0, 0)
        assert after == seeded
        return
    assert sorted(outcomes) == ["completed"] + ["skipped"] * (len(jobs) - 1), outcomes
    assert (writes, copies) == (1, 1), f"{writes} COMPLETED writes and {copies} artifact COPYs for one task"
    assert (await call(c, Job.of(task, current))).returned == "skipped"
    assert await h.stored(task.id) == after


@EXAMPLES
@given(
    case=cases(max_attempt=3),
    calls=st.lists(st.tuples(st.sampled_from([0, 0, 1, 2]), JOB_FORMS), min_size=2, max_size=4),
    gate=st.booleans(),
)
def test_concurrent_runs_of_one_job_and_of_stale_attempts_complete_the_task_exactly_once(
    h: Harness, case: Case, calls: list[tuple[int, str]], gate: bool
) -> None:
    h.run(concurrent_runs(h, case, calls, gate))


# --- 4. a shutdown that cancels the job loses no task -------------------------------------------------


async def cancel_job(h: Harness, c: WorkerContainer, job: Job, point: int) -> tuple[bool, str | None]:
    """Run the job and cancel its asyncio task at database step `point` (0: during the ML call)."""

    async def bare() -> str:
        return await run_task({"container": c, "job_id": job.job_id, "job_try": 1}, *job.args, **job.kwargs)

    running = h.spawn(bare())
    if point:
        h.faults.arm(Plan(point, "cancel", running))
    try:
        if not point:
            await h.stub.arrived(1)
            running.cancel()
        try:
            returned = await within(asyncio.shield(running), WAIT_S, "the job ended")
        except asyncio.CancelledError:
            return True, h.faults.fired or "ML call"
        assert returned == "completed", returned
        return False, h.faults.fired
    finally:
        h.faults.disarm()


async def shutdown_mid_run(h: Harness, case: Case, keep: bool, point: int, form: str) -> None:
    c = await h.container("plain")
    task, content = await h.fresh(case, keep=keep, script=() if point else (HOLD,))
    expected, job = Expected.of(case, task, content), Job.of(task, task.attempt, form)
    seeded = await h.stored(task.id)
    cancelled, at = await cancel_job(h, c, job, point)
    event(f"cancelled at {at}" if cancelled else "the job had fewer steps")
    assert cancelled or at is None, f"the job swallowed its cancellation at {at} and went on"
    await h.stub.settle()  # the ML service finishes (and keeps) the answer the worker gave up on
    after = await h.stored(task.id)
    check_attempt_kept(after, seeded)
    check_all_or_nothing(after, expected)
    if cancelled:
        assert after.status in ("PENDING", "RUNNING") or at == "COMMIT 2", f"cancelled at {at}: {after.status}"
        event(f"left {after.status}")
    completion = Completion()
    completion.see(after)
    ran = await call(c, job)  # arq runs the job again (another worker, after the restart)
    assert ran.returned == ("skipped" if completion.done else "completed"), ran
    final = await h.stored(task.id)
    assert final.status == "COMPLETED"
    check_all_or_nothing(final, expected)
    completion.see(final)


@EXAMPLES
@given(
    case=cases(),
    keep=st.booleans(),
    point=st.one_of(st.just(0), st.integers(1, MAX_STEPS), st.integers(1, MAX_STEPS)),  # 0: the ML call
    form=JOB_FORMS,
)
def test_a_job_cancelled_mid_run_leaves_its_attempt_to_be_run_again_and_completed(
    h: Harness, case: Case, keep: bool, point: int, form: str
) -> None:
    h.run(shutdown_mid_run(h, case, keep, point, form))


# --- 5. transient failures back off, then fail; busy spends no try ------------------------------------

IMPATIENT_S = 1.0  # ML_REQUEST_TIMEOUT_S here: what a `timeout` reply costs, ample for any other answer
RETRY_AFTER = st.sampled_from([None, None, "0", "1", "2.5", "7", "90", "4000", "-3", "nan", "soon"])


def transient_replies(retry_after: st.SearchStrategy[str | None]) -> st.SearchStrategy[Reply]:
    """Failures the client tries again (within a try, up to its calls per try)."""
    error = st.just("error")
    return st.one_of(
        st.builds(Reply, kind=error, status=st.just(500), problem=st.just("inference-failed"), retry_after=retry_after),
        st.builds(Reply, kind=error, status=st.sampled_from([500, 502, 503, 504]), retry_after=retry_after),
        st.builds(Reply, kind=error, status=st.sampled_from([408, 429]), retry_after=retry_after),
        st.just(Reply("drop")),
        st.sampled_from([Reply("drop"), Reply("timeout")]),
    )


BUSY = st.builds(Reply, kind=st.just("error"), status=st.just(503), problem=st.just("busy"), retry_after=RETRY_AFTER)
FINAL = st.sampled_from(  # the run ends the attempt: a success, or a failure no retry mends
    [OK, Reply("foreign"), Reply("error", 422), Reply("error", 404), Reply("error", 500, "invalid-payload")]
)


@dataclass(frozen=True)
class RetryPlan:
    tries: int  # TRIES_PER_ATTEMPT
    calls: int  # ML_CALLS_PER_TRY
    backoff_s: float  # RETRY_BACKOFF_S
    backoff_max_s: float  # RETRY_BACKOFF_MAX_S
    replies: tuple[Reply, ...]


@st.composite
def retry_plans(draw: st.DrawFn) -> RetryPlan:
    tries, calls = draw(st.integers(1, 5)), draw(st.sampled_from([1, 1, 2]))
    backoff = draw(st.sampled_from([0.5, 1.0, 2.0]))
    # A Retry-After on a failure the client retries within the try is waited out for real: only with one call.
    transient = transient_replies(RETRY_AFTER if calls == 1 else st.none())
    reply = st.one_of(*[transient] * 6, BUSY, FINAL)
    length = draw(st.integers(0, (tries + 2) * calls))  # long enough to reach the last try often
    replies = draw(st.lists(reply, min_size=length, max_size=length))
    return RetryPlan(tries, calls, backoff, backoff * draw(st.sampled_from([1, 3, 60])), tuple(replies))


def seconds(retry_after: str | None) -> float | None:
    """What a Retry-After header means: numeric seconds clamped to [0, 3600], else nothing."""
    try:
        value = float(retry_after) if retry_after is not None else None
    except ValueError:
        return None
    return None if value is None or math.isnan(value) else min(3600.0, max(0.0, value))


def kind_of(reply: Reply) -> str:
    if reply.kind in ("drop", "timeout"):
        return "transient"
    if reply.kind == "error":
        if reply.problem in ("busy", "invalid-payload"):
            return reply.problem
        return "transient" if reply.status >= 500 or reply.status in (408, 429) else "permanent"
    return "permanent" if reply.kind == "foreign" else "ok"


def next_run(plan: RetryPlan, replies: deque[Reply]) -> tuple[str, float | None, int]:
    """How the next run ends by the script: its kind, the Retry-After that counts, the calls it makes."""
    for made in range(1, plan.calls + 1):
        reply = replies.popleft() if replies else OK
        kind = kind_of(reply)
        if kind != "transient" or made == plan.calls:
            return kind, seconds(reply.retry_after), made
    raise AssertionError("unreachable")


def check_deferred(ran: Ran, low_s: float, high_s: float, what: str) -> float:
    assert ran.retry_ms is not None, f"{what}: the job ended with {ran}, not arq's Retry"
    assert math.floor(low_s * 1000) - 1 <= ran.retry_ms <= math.ceil(high_s * 1000) + 1, (
        f"{what}: deferred {ran.retry_ms} ms, outside [{low_s:g}, {high_s:g}] s"
    )
    return ran.retry_ms / 1000


def check_vouched(s: Stored, started: datetime, ended: datetime, defer_s: float) -> None:
    """The worker vouches for the task until its next run is due, so its lease does not expire meanwhile."""
    slack = timedelta(milliseconds=5)
    due = timedelta(seconds=defer_s)
    assert started + due - slack <= s.task["heartbeat_at"] <= ended + due + slack, (s.task["heartbeat_at"], defer_s)


async def retry_until_done(h: Harness, case: Case, plan: RetryPlan) -> None:
    await h.container("impatient", ml_request_timeout_s=IMPATIENT_S)
    c = await h.variant(
        "impatient",
        tries_per_attempt=plan.tries,
        ml_calls_per_try=plan.calls,
        retry_backoff_s=plan.backoff_s,
        retry_backoff_max_s=plan.backoff_max_s,
    )
    task, content = await h.fresh(case, script=plan.replies)
    job, replies, failures, calls, policy = Job.of(task, task.attempt), deque(plan.replies), 0, 0, c.policy
    while True:
        kind, retry_after, made = next_run(plan, replies)
        calls += made
        for reply in list(plan.replies)[calls - made : calls]:
            event(f"reply: {reply.kind} {reply.status if reply.kind == 'error' else ''}".strip())
        started = datetime.now(UTC)
        ran = await call(c, job)
        ended = datetime.now(UTC)
        s = await h.stored(task.id)
        assert len(h.stub.requests) == calls, f"{len(h.stub.requests)} ML calls, the script says {calls}"
        if kind == "busy":  # a turn at a busy service: waits, spends no try
            wait = retry_after or policy.try_backoff_s
            defer = check_deferred(ran, wait, wait, "503 busy")
            assert (s.status, s.task["transient_failures"]) == ("RUNNING", failures), "503 busy spent a try"
            check_vouched(s, started, ended, defer)
            continue
        if kind == "transient":
            failures += 1
            if failures < plan.tries:
                at_least = retry_after or 0.0
                ceiling = min(policy.try_backoff_max_s, policy.try_backoff_s * 2 ** (failures - 1))
                low, high = max(at_least, min(policy.try_backoff_s / 2, ceiling)), max(at_least, ceiling)
                defer = check_deferred(ran, low, high, f"transient failure {failures} of {plan.tries}")
                assert (s.status, s.task["transient_failures"], s.task["error_kind"]) == (
                    "RUNNING",
                    failures,
                    "transient",
                )
                check_vouched(s, started, ended, defer)
                continue
            assert ran.returned == "failed", ran
            assert (s.status, s.task["error_kind"]) == ("FAILED", "transient"), s.task
            assert s.task["error"].startswith(f"gave up after {plan.tries} tries"), s.task["error"]
            event("ended FAILED as transient: the last try failed")
        elif kind == "ok":
            assert ran.returned == "completed", ran
            event(f"ended COMPLETED after {failures} failed tries" if failures else "ended COMPLETED")
        else:  # a permanent failure, or an item the schema rejects: no retry
            assert ran.returned == "failed", ran
            kind_stored = "invalid_payload" if kind == "invalid-payload" else "permanent"
            assert (s.status, s.task["error_kind"], s.task["transient_failures"]) == ("FAILED", kind_stored, failures)
            event(f"ended FAILED as {kind_stored}")
        break
    check_all_or_nothing(s, Expected.of(case, task, content))
    assert (await call(c, job)).returned == "skipped"  # arq delivering it again changes nothing
    assert len(h.stub.requests) == calls and await h.stored(task.id) == s


@EXAMPLES
@given(case=cases(resumable=False), plan=retry_plans())
def test_transient_failures_back_off_within_the_policy_and_the_last_try_fails_the_task(
    h: Harness, case: Case, plan: RetryPlan
) -> None:
    h.run(retry_until_done(h, case, plan))


# --- the contract of 503 model-unavailable, which the worker does not keep -----------------------------


async def model_unavailable_answers(h: Harness) -> None:
    await h.container("impatient", ml_request_timeout_s=IMPATIENT_S)
    c = await h.variant("impatient", tries_per_attempt=2)
    case = Case(
        TaskType.OCR, [{"frame_index": 0, "timestamp_ms": 0, "text": "EXIT", "confidence": 0.9, "polygon": SQUARE}], {}
    )
    unavailable = Reply("error", 503, "model-unavailable", "30")  # as the ML service answers it (MODEL_RECHECK_S)
    task, _ = await h.fresh(case, script=(unavailable,) * 3)
    job = Job.of(task, task.attempt)
    for answered in range(1, 4):
        ran = await call(c, job)
        s = await h.stored(task.id)
        assert ran.retry_ms is not None and ran.retry_ms >= 30_000, (
            f"answer {answered}: the job ended with {ran}, not a wait of at least the Retry-After (30 s)"
        )
        assert (s.status, s.task["transient_failures"]) in (("PENDING", 0), ("RUNNING", 0)), (
            f"answer {answered}: waiting for a model spent a try: {s.status}, {s.task['transient_failures']} tries"
        )


def test_a_503_model_unavailable_spends_no_try_and_waits_at_least_its_retry_after(h: Harness) -> None:
    """The contract (contracts/ml.py, docs/design/retries.md, domain/retry.py): waiting for a model that
    is not loaded spends no try; and no retry comes sooner than the Retry-After the answer carries."""
    h.run(model_unavailable_answers(h))
