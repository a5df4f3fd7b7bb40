"""The task lifecycle on the real PostgreSQL and Valkey, driven in any order.

A. A hypothesis state machine over the six tasks of one video (its rules act on one to three of them,
   drawn per example; its invariant watches all six) drives, in any order:
   - the API: `POST /api/v1/tasks/{id}/enqueue`, `/cancel` and `/retry`, through the real app;
   - a worker, the way the worker service does it: arq's bookkeeping in Valkey (claim the job: its
     in-progress key and try counter; finish it: a result key, the job gone from its queue; a
     transient failure puts it back on its queue) around the domain on the real database (one
     `SqlUnitOfWork`, the task read `for_update`, `start`/`complete`/`fail`/`note_transient_failure`
     with the job's attempt, saved, committed). The worker only does what a worker could: it starts a
     task whose job is on its queue and held by no worker, and finishes the job it holds. The same
     calls in any other state must raise `IllegalTransition`, and with an older attempt's number
     `StaleAttempt`, and change nothing;
   - arq reaping a running job that a cancel aborted.
   A pure model holds each task's status, attempt, job id, correlation id and error kind, and what
   Valkey must hold: the queued jobs (zset member and `arq:job:` key), the in-progress, try and
   result keys, and the abort set. Every HTTP answer must be the model's (202/200 with its body, or
   409 with a problem document), and after every step the task rows, read through
   `GET /api/v1/tasks/{id}` and directly in SQL, and the whole key space of Valkey must be the model's.
   Tasks start as discovery leaves them ("queued": attempt 1, its job on its queue), never enqueued
   ("fresh": attempt 0, no job), or with the attempt committed but its job lost ("lost": what a push
   that failed after the commit, or Valkey restarted empty, leaves for the reconciler or an enqueue).

B. Enqueueing one task attempt any number of times, concurrently, through `TaskEnqueuer` and straight
   through `ArqJobQueue.push`, makes exactly one arq job; each retry's attempt makes one more, with a
   job id no earlier attempt had, even where the earlier attempt left a result key behind.

Event loops: the TestClient runs the app, with its own engine and Valkey pool, on a loop in a thread
of its own. Everything the test does directly (SQL, the worker's unit of work, Valkey) runs on a loop
this module owns through an `asyncio.Runner`, on an engine and clients opened on that loop. Hypothesis
reuses fixtures across examples, so each example empties both stores itself.
"""

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import httpx
import pytest
from arq.connections import ArqRedis
from arq.constants import abort_jobs_ss, in_progress_key_prefix, job_key_prefix, result_key_prefix, retry_key_prefix
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from framewise.application.results import Enqueued
from framewise.application.use_cases.task_canceller import TaskCanceller
from framewise.application.use_cases.task_enqueuer import TaskEnqueuer
from framewise.application.use_cases.task_retrier import TaskRetrier
from framewise.domain.analyses import analysis_of
from framewise.domain.errors import IllegalTransition, StaleAttempt
from framewise.domain.ids import TaskId
from framewise.domain.routing import QueueName, TaskType
from framewise.domain.task import TERMINAL, ErrorKind, JobRequest, Task, TaskStatus, job_id_for
from framewise.domain.video import FileStat, MediaInfo, Video
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise.infrastructure.queue.serialization import deserialize
from tests.api import api_client

pytestmark = [pytest.mark.property, pytest.mark.integration]

P, R, C, F, X = (TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)
SEED_CORRELATION = "seeded"
TYPES = list(TaskType)  # the six tasks of one video, in a fixed order
T = TypeVar("T")


# --- the stores, on a loop of the module's own ------------------------------------------------------


@dataclass
class Stores:
    runner: asyncio.Runner
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    pool: ArqRedis
    root: str

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def queue(self) -> ArqJobQueue:
        return ArqJobQueue(self.pool)


@pytest.fixture(scope="module")
def own_stores(database_url: str, valkey_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)  # never touches the current loop
    root = str(tmp_path_factory.mktemp("lifecycle-media").resolve())

    async def open_stores() -> Stores:
        engine = create_engine(database_url, pool_size=12)  # part B runs up to 21 use cases at once
        pool = await open_pool(valkey_url)
        return Stores(runner, engine, session_factory(engine), Redis.from_url(valkey_url), pool, root)

    stores = runner.run(open_stores())
    yield stores

    async def close_stores() -> None:
        await stores.pool.aclose()
        await stores.redis.aclose()
        await stores.engine.dispose()

    runner.run(close_stores())
    runner.close()


@pytest.fixture(scope="module")
def client(own_stores: Stores, database_url: str, valkey_url: str) -> Iterator[TestClient]:
    """One app for the module (its container lives on the TestClient's loop); rate limits off, so
    that the only keys in Valkey are arq's."""
    with api_client(database_url, valkey_url, Path(own_stores.root), rate_limit_enqueue=0, rate_limit_retry=0) as api:
        yield api


async def reset(stores: Stores) -> None:
    async with stores.engine.begin() as connection:
        await connection.execute(text("TRUNCATE videos, tasks, artifacts CASCADE"))
    await stores.redis.flushall()


SEEDS = ("queued", "fresh", "lost")


async def seed(stores: Stores, seeds: list[tuple[TaskType, str]]) -> list[Task]:
    """One READY video and a task per entry, left as discovery leaves it ("queued"), never enqueued
    ("fresh"), or with its attempt committed and its job never pushed ("lost")."""
    now = datetime.now(UTC)
    stat = FileStat(stores.root, "clip.mp4", 123_456, 1_700_000_000.0)
    video = Video.register(stat, "0" * 16, MediaInfo(8000, 25.0, 64, 48, False), None, now)
    tasks, jobs = [], []
    for task_type, how in seeds:
        task = Task.create(video_id=video.id, task_type=task_type, config={}, now=now, correlation_id=SEED_CORRELATION)
        if how != "fresh":
            job = task.enqueue(now)
            if how == "queued":
                jobs.append(job)
        tasks.append(task)
    uow = stores.uow()
    async with uow:
        await uow.videos.add(video)
        for task in tasks:
            await uow.tasks.add(task)
        await uow.commit()
    for job in jobs:
        assert await stores.queue().push(job)
    return tasks


async def task_rows(stores: Stores) -> dict[str, dict[str, Any]]:
    async with stores.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM tasks"))).mappings().all()
    return {str(row["id"]): dict(row) for row in rows}


async def task_row(stores: Stores, task_id: str) -> dict[str, Any]:
    async with stores.engine.connect() as connection:
        query = text("SELECT * FROM tasks WHERE id = :id")
        return dict((await connection.execute(query, {"id": UUID(task_id)})).mappings().one())


# --- the worker side, as the worker service and arq do it -------------------------------------------


async def in_worker(stores: Stores, task_id: str, act: Callable[[Task], object]) -> None:
    """One transaction of the worker on the task: read it for update, act through the domain, save."""
    uow = stores.uow()
    async with uow:
        task = await uow.tasks.get(TaskId(UUID(task_id)), for_update=True)
        act(task)
        await uow.tasks.save(task)
        await uow.commit()


async def arq_claims(redis: Redis, job_id: str) -> None:
    """What an arq worker writes when it takes a job off its queue (Worker.start_jobs and run_job)."""
    await redis.psetex(in_progress_key_prefix + job_id, 300_000, b"1")
    async with redis.pipeline(transaction=True) as tr:
        tr.incr(retry_key_prefix + job_id)
        tr.expire(retry_key_prefix + job_id, 88_400)
        tr.zrem(abort_jobs_ss, job_id)
        await tr.execute()


async def arq_retries_later(redis: Redis, job_id: str, queue: QueueName) -> None:
    """What arq writes when the job raised Retry (finish_job, finish=False): back on its queue, later."""
    async with redis.pipeline(transaction=True) as tr:
        tr.zincrby(queue.value, 5_000, job_id)
        tr.delete(in_progress_key_prefix + job_id)
        await tr.execute()


async def arq_finishes(redis: Redis, job_id: str, queue: QueueName) -> None:
    """What arq writes when the job returned, failed or was aborted (finish_job, finish=True)."""
    async with redis.pipeline(transaction=True) as tr:
        tr.set(result_key_prefix + job_id, b'{"s":true}', px=60_000)
        tr.zrem(abort_jobs_ss, job_id)
        tr.zrem(queue.value, job_id)
        tr.delete(retry_key_prefix + job_id, job_key_prefix + job_id, in_progress_key_prefix + job_id)
        await tr.execute()


@dataclass(frozen=True)
class ValkeyState:
    keys: set[str]
    queues: dict[QueueName, set[str]]
    aborted: set[str]
    jobs: dict[str, dict[str, Any]]  # job id -> the job arq stored


async def valkey_state(redis: Redis) -> ValkeyState:
    keys = {k.decode() for k in await redis.keys("*")}
    queues = {q: {m.decode() for m in await redis.zrange(q.value, 0, -1)} for q in QueueName}
    aborted = {m.decode() for m in await redis.zrange(abort_jobs_ss, 0, -1)}
    jobs = {}
    for key in keys:
        if key.startswith(job_key_prefix):
            stored = await redis.get(key)
            assert stored is not None, key
            jobs[key.removeprefix(job_key_prefix)] = deserialize(stored)
    return ValkeyState(keys, queues, aborted, jobs)


# --- A: the model and the state machine -------------------------------------------------------------


@dataclass
class ModelTask:
    id: str
    task_type: TaskType
    queue: QueueName
    status: TaskStatus = P
    attempt: int = 0
    job_id: str | None = None
    correlation_id: str = SEED_CORRELATION
    error_kind: ErrorKind | None = None
    transient_failures: int = 0
    started: bool = False  # this attempt reached RUNNING (started_at and heartbeat_at are set)
    lost: bool = False  # seeded with its job lost, and not enqueued since


@dataclass(frozen=True)
class ModelJob:
    task_id: str
    attempt: int
    correlation_id: str
    queue: QueueName


@dataclass
class ModelValkey:
    queued: dict[str, ModelJob] = field(default_factory=dict)  # on its queue, with its arq:job key
    in_progress: set[str] = field(default_factory=set)
    tried: set[str] = field(default_factory=set)  # arq:retry:<id>, from the first claim to the finish
    aborted: set[str] = field(default_factory=set)
    results: set[str] = field(default_factory=set)
    order: dict[str, int] = field(default_factory=dict)  # a queued job's place in line (its zset score)
    tickets: Iterator[int] = field(default_factory=itertools.count)

    def push(self, job_id: str, job: ModelJob) -> None:
        self.queued[job_id] = job
        self.order[job_id] = next(self.tickets)

    def keys(self) -> set[str]:
        return (
            {job_key_prefix + j for j in self.queued}
            | {in_progress_key_prefix + j for j in self.in_progress}
            | {retry_key_prefix + j for j in self.tried}
            | {result_key_prefix + j for j in self.results}
            | {q.value for q in QueueName if any(job.queue is q for job in self.queued.values())}
            | ({abort_jobs_ss} if self.aborted else set())
        )

    def finish(self, job_id: str) -> None:
        self.queued.pop(job_id, None)
        self.in_progress.discard(job_id)
        self.tried.discard(job_id)
        self.aborted.discard(job_id)
        self.results.add(job_id)


def attempt_of(job_id: str) -> int:
    return int(job_id.rsplit(":", 1)[1])


def check_stored(stored: dict[str, Any], task: ModelTask, source: str) -> None:
    """A task row (SQL) or resource (API) against the model."""
    seen = {
        "status": stored["status"],
        "attempt": stored["attempt"],
        "job_id": stored["job_id"],
        "queue": stored["queue"],
        "error_kind": stored["error_kind"],
        "progress": stored["progress"],
        "correlation_id": stored["correlation_id"],
        "enqueued": stored["enqueued_at"] is not None,
        "started": stored["started_at"] is not None,
        "heartbeat": stored["heartbeat_at"] is not None,
        "completed": stored["completed_at"] is not None,
    }
    expected = {
        "status": task.status.value,
        "attempt": task.attempt,
        "job_id": task.job_id,
        "queue": task.queue.value,
        "error_kind": None if task.error_kind is None else task.error_kind.value,
        "progress": 1.0 if task.status is C else 0.0,
        "correlation_id": task.correlation_id,
        "enqueued": task.attempt > 0,
        "started": task.started,
        "heartbeat": task.started,
        "completed": task.status in TERMINAL,
    }
    assert seen == expected, f"{source}: task {task.id} ({task.task_type})"
    assert (stored["error"] is not None) == (task.error_kind is not None), (source, stored)
    if "running_time_ms" in stored:  # the API's resource
        # running time: from start to end, or to now while it runs (as the running_time sort counts it)
        assert (stored["running_time_ms"] is not None) == task.started, stored
        assert stored["running_time_ms"] is None or stored["running_time_ms"] >= 0, stored
    else:
        assert stored["transient_failures"] == task.transient_failures, (source, stored)


WORKER_MOVES = ("start", "complete", "fail", "transient")
LEGAL_FOR_WORKER = {"start": (P, R), "complete": (R,), "fail": (R,), "transient": (R,)}
LEGAL_FOR_API = {"enqueue": (P,), "cancel": (P, R), "retry": (F, X)}


def worker_move(action: str, attempt: int, now: datetime) -> Callable[[Task], object]:
    """The domain call a worker makes for `action`, with the attempt number its job carries."""
    moves: dict[str, Callable[[Task], object]] = {
        "start": lambda t: t.start(attempt, now),
        "complete": lambda t: t.complete(attempt, now),
        "fail": lambda t: t.fail(attempt, "late", ErrorKind.PERMANENT, now),
        "transient": lambda t: t.note_transient_failure(attempt, "late"),
    }
    return moves[action]


class TaskLifecycle(RuleBasedStateMachine):
    """Bound to the module's stores and client by the test. Every example seeds the six tasks of one
    video and acts on one to three of them (so that one task goes through long histories); the
    invariant watches all six, so an action on one task must leave the others alone."""

    stores: Stores
    client: TestClient

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[ModelTask] = []
        self.active: list[ModelTask] = []
        self.valkey = ModelValkey()
        self.requests = itertools.count()
        self.moves: set[str] = set()  # the kinds of step this example took

    def note(self, move: str) -> None:
        event(move)
        self.moves.add(move)

    @initialize(
        seeds=st.lists(st.sampled_from(SEEDS), min_size=len(TYPES), max_size=len(TYPES)),
        active=st.lists(st.integers(0, len(TYPES) - 1), min_size=1, max_size=3, unique=True),
    )
    def seed_one_video(self, seeds: list[str], active: list[int]) -> None:
        self.stores.run(reset(self.stores))
        created = self.stores.run(seed(self.stores, list(zip(TYPES, seeds, strict=True))))
        for task, how in zip(created, seeds, strict=True):
            model = ModelTask(str(task.id), task.task_type, analysis_of(task.task_type).queue, lost=how == "lost")
            if how != "fresh":
                model.attempt, model.job_id = 1, job_id_for(task.id, 1)
            if how == "queued":
                assert model.job_id is not None
                self.valkey.push(model.job_id, ModelJob(model.id, 1, SEED_CORRELATION, model.queue))
            self.tasks.append(model)
        self.active = [self.tasks[i] for i in active]

    # --- the API ---------------------------------------------------------------------------------

    def post(self, task: ModelTask, action: str) -> tuple[httpx.Response, str]:
        correlation = f"req-{next(self.requests)}"
        response = self.client.post(f"/api/v1/tasks/{task.id}/{action}", headers={"X-Correlation-ID": correlation})
        return response, correlation

    def refused(self, response: httpx.Response, task: ModelTask, action: str) -> None:
        assert response.status_code == 409, (action, task.status, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert (body["status"], body["title"]) == (409, "Conflict"), body
        assert body["instance"] == f"/api/v1/tasks/{task.id}/{action}", body
        assert f"is {task.status.value}" in body["detail"], body
        self.note(f"409 {action} on {task.status.value}")

    def among(self, statuses: tuple[TaskStatus, ...]) -> list[ModelTask]:
        return [t for t in self.active if t.status in statuses]

    @precondition(lambda self: self.among((P,)))
    @rule(data=st.data())
    def enqueue(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(self.among((P,))))
        response, correlation = self.post(task, "enqueue")
        assert response.status_code == 202, response.text
        if task.job_id is None:  # a new attempt takes the request's correlation id; an open one keeps its own
            task.attempt += 1
            task.job_id = job_id_for(TaskId(UUID(task.id)), task.attempt)
            task.transient_failures = 0
            task.correlation_id = correlation
        created = task.job_id not in self.valkey.queued and task.job_id not in self.valkey.results
        self.note(f"enqueue a PENDING task ({'lost job' if task.lost else 'no job' if created else 'queued'})")
        task.lost = False
        if created:
            self.valkey.push(task.job_id, ModelJob(task.id, task.attempt, task.correlation_id, task.queue))
        expected = {"task_id": task.id, "job_id": task.job_id, "queue": task.queue.value, "created": created}
        assert response.json() == expected

    @precondition(lambda self: self.among((P, R)))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(self.among((R,)) + self.among((P,))))  # RUNNING ones first
        response, _ = self.post(task, "cancel")
        assert response.status_code == 200, response.text
        held = task.job_id in self.valkey.in_progress
        self.note(f"cancel a {task.status.value} task" + (" whose job a worker holds" if held else ""))
        task.status = X
        if task.job_id is not None:
            self.valkey.queued.pop(task.job_id, None)
            self.valkey.results.add(task.job_id)  # the abort marker: a late push of this attempt is refused
            if held:
                self.valkey.aborted.add(task.job_id)
        check_stored(response.json(), task, "cancel response")

    @precondition(lambda self: self.among((F, X)))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(self.among((F,)) + self.among((X,))))  # FAILED ones first
        response, correlation = self.post(task, "retry")
        assert response.status_code == 202, response.text
        self.note(f"retry a {task.status.value} task")
        task.status, task.attempt = P, task.attempt + 1
        task.job_id = job_id_for(TaskId(UUID(task.id)), task.attempt)
        task.correlation_id, task.error_kind, task.transient_failures = correlation, None, 0
        task.started = task.lost = False
        self.valkey.push(task.job_id, ModelJob(task.id, task.attempt, correlation, task.queue))
        expected = {"task_id": task.id, "job_id": task.job_id, "queue": task.queue.value, "created": True}
        assert response.json() == expected

    @rule(data=st.data())
    def request_in_the_wrong_state(self, data: st.DataObject) -> None:
        """Any request the task's status does not allow: 409 with a problem document, nothing changes."""
        wrong = [(t, a) for t in self.active for a, allowed in LEGAL_FOR_API.items() if t.status not in allowed]
        task, action = data.draw(st.sampled_from(wrong))
        self.refused(self.post(task, action)[0], task, action)

    # --- the worker ------------------------------------------------------------------------------

    def claimable(self) -> list[ModelTask]:
        """Tasks whose current job is on its queue and held by no worker: a worker may take it."""
        return [
            t
            for t in self.active
            if t.job_id in self.valkey.queued and t.job_id not in self.valkey.in_progress and t.status in (P, R)
        ]

    def held(self) -> list[ModelTask]:
        """RUNNING tasks whose current job a worker holds."""
        return [t for t in self.active if t.status is R and t.job_id in self.valkey.in_progress]

    def in_worker(self, task: ModelTask, act: Callable[[Task], object]) -> None:
        self.stores.run(in_worker(self.stores, task.id, act))

    # The moves that carry a task forward take no arguments, so that hypothesis, which tries rules
    # with fewer arguments first, favours whole lifecycles over requests that bounce off.

    @precondition(lambda self: self.claimable())
    @rule()
    def worker_takes_the_next_job(self) -> None:
        """arq hands the first job in line to a worker, whose task runner marks the task RUNNING (or,
        for a job back on its queue after a transient failure, resumes it)."""
        task = min(self.claimable(), key=lambda t: self.valkey.order[t.job_id or ""])
        assert task.job_id is not None
        self.stores.run(arq_claims(self.stores.redis, task.job_id))
        self.in_worker(task, worker_move("start", task.attempt, datetime.now(UTC)))
        self.note(f"worker starts a {task.status.value} task")
        self.valkey.in_progress.add(task.job_id)
        self.valkey.tried.add(task.job_id)
        self.valkey.aborted.discard(task.job_id)
        if task.status is P:
            task.status, task.started = R, True

    def finish(self, task: ModelTask, kind: ErrorKind | None) -> None:
        """The task ends COMPLETED, or FAILED with the kind of its error; arq finishes the job."""
        assert task.job_id is not None
        now = datetime.now(UTC)
        if kind is None:
            self.in_worker(task, lambda t: t.complete(task.attempt, now))
            task.status, task.error_kind = C, None
        else:
            self.in_worker(task, lambda t: t.fail(task.attempt, f"failed: {kind}", kind, now))
            task.status, task.error_kind = F, kind
        self.stores.run(arq_finishes(self.stores.redis, task.job_id, task.queue))
        self.note(f"worker ends the task {task.status.value}")
        self.valkey.finish(task.job_id)

    @precondition(lambda self: self.held())
    @rule()
    def worker_completes(self) -> None:
        self.finish(self.held()[0], None)

    @precondition(lambda self: self.held())
    @rule()
    def worker_fails(self) -> None:
        task = self.held()[0]
        self.finish(task, list(ErrorKind)[task.attempt % len(ErrorKind)])  # every kind, over the attempts

    @precondition(lambda self: self.held())
    @rule()
    def worker_fails_transiently(self) -> None:
        """The ML call failed in a way worth retrying: the failure is noted, the job goes back on its
        queue for later and the task stays RUNNING."""
        task = self.held()[0]
        assert task.job_id is not None
        self.in_worker(task, lambda t: t.note_transient_failure(task.attempt, "flaky"))
        self.stores.run(arq_retries_later(self.stores.redis, task.job_id, task.queue))
        self.valkey.order[task.job_id] = next(self.valkey.tickets)  # back in line, later
        self.note("worker fails transiently")
        task.transient_failures += 1
        task.error_kind = ErrorKind.TRANSIENT
        self.valkey.in_progress.discard(task.job_id)

    def rejected(self, task: ModelTask, act: Callable[[Task], object], error: type[Exception]) -> None:
        """The domain refuses the worker's call, and the row stays as it was."""
        before = self.stores.run(task_row(self.stores, task.id))
        with pytest.raises(error):
            self.in_worker(task, act)
        assert self.stores.run(task_row(self.stores, task.id)) == before

    def out_of_turn(self) -> list[tuple[ModelTask, str]]:
        return [(t, a) for t in self.active for a, allowed in LEGAL_FOR_WORKER.items() if t.status not in allowed]

    @precondition(lambda self: self.out_of_turn())
    @rule(data=st.data())
    def worker_moves_out_of_turn(self, data: st.DataObject) -> None:
        """A worker move with the current attempt in a status the state machine does not allow it
        from (a job that was cancelled, finished or never started): IllegalTransition, no change."""
        task, action = data.draw(st.sampled_from(self.out_of_turn()))
        self.note(f"worker {action} refused on {task.status.value}")
        self.rejected(task, worker_move(action, task.attempt, datetime.now(UTC)), IllegalTransition)

    @precondition(lambda self: any(t.attempt >= 2 for t in self.active))
    @rule(data=st.data())
    def stale_worker(self, data: st.DataObject) -> None:
        """A worker still holding an older attempt's job can write nothing on the task: StaleAttempt."""
        task = data.draw(st.sampled_from([t for t in self.active if t.attempt >= 2]))
        old = data.draw(st.integers(1, task.attempt - 1))
        action = data.draw(st.sampled_from(WORKER_MOVES))
        self.note(f"stale worker {action} on {task.status.value}")
        self.rejected(task, worker_move(action, old, datetime.now(UTC)), StaleAttempt)

    @precondition(lambda self: bool(self.valkey.aborted))
    @rule()
    def arq_reaps_an_aborted_job(self) -> None:
        """The worker holding an aborted job sees the abort, cancels the job and finishes it."""
        # The first in the order of the seeded tasks (not of the random ids), so that a replay is exact.
        task, job = next(
            (t, j) for t in self.tasks for j in sorted(self.valkey.aborted) if j.startswith(f"task:{t.id}:")
        )
        self.stores.run(arq_finishes(self.stores.redis, job, task.queue))
        self.note("arq reaps an aborted job")
        self.valkey.finish(job)

    # --- after every step ------------------------------------------------------------------------

    @invariant()
    def the_stores_hold_what_the_model_holds(self) -> None:
        rows = self.stores.run(task_rows(self.stores))
        assert set(rows) == {t.id for t in self.tasks}
        for task in self.tasks:
            resource = self.client.get(f"/api/v1/tasks/{task.id}")
            assert resource.status_code == 200, resource.text
            check_stored(resource.json(), task, "api")
            check_stored(rows[task.id], task, "sql")

        valkey = self.stores.run(valkey_state(self.stores.redis))
        for task in self.tasks:
            mine = {q: {j for j in valkey.queues[q] if j.startswith(f"task:{task.id}:")} for q in QueueName}
            other = next(q for q in QueueName if q is not task.queue)
            assert not mine[other], f"{task.task_type} has a job on {other}"
            assert all(attempt_of(j) == task.attempt for j in mine[task.queue]), "an older attempt's job is queued"
            if task.status is P and task.job_id is not None and not task.lost:
                assert mine[task.queue] == {task.job_id}, "a PENDING task's job is on its queue"
                assert job_key_prefix + task.job_id in valkey.keys
            if task.status is X:
                assert not mine[task.queue], "a CANCELLED task's job is still queued"
            if task.status is R:
                assert mine[task.queue] <= {task.job_id}
        queued = {q: {j for j, job in self.valkey.queued.items() if job.queue is q} for q in QueueName}
        assert valkey.queues == queued
        assert valkey.aborted == self.valkey.aborted
        assert valkey.keys == self.valkey.keys()
        for job_id, job in self.valkey.queued.items():
            stored = valkey.jobs[job_id]
            assert (stored["f"], stored["a"]) == ("run_task", [])
            assert [stored["k"][k] for k in ("task_id", "attempt", "correlation_id")] == [
                job.task_id,
                job.attempt,
                job.correlation_id,
            ]

    def teardown(self) -> None:
        if self.tasks:  # steer generation towards long retry chains and varied histories
            target(float(max(t.attempt for t in self.tasks)), label="highest attempt")
            target(float(len(self.moves)), label="kinds of step")


LIFECYCLE_SETTINGS = settings(
    max_examples=100,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_any_sequence_of_api_and_worker_actions_keeps_rows_and_queues_as_the_model_says(
    own_stores: Stores, client: TestClient
) -> None:
    bound = type("TaskLifecycleOnTheRealStores", (TaskLifecycle,), {"stores": own_stores, "client": client})
    run_state_machine_as_test(bound, settings=LIFECYCLE_SETTINGS)


# --- B: one job per attempt, however often and however concurrently it is enqueued ------------------


async def enqueue_through_the_use_case(stores: Stores, task_id: TaskId, n: int) -> Enqueued:
    return await TaskEnqueuer(stores.uow(), stores.queue(), SystemClock()).execute(task_id, f"enqueuer-{n}")


async def push_directly(stores: Stores, job: JobRequest) -> bool:
    return await stores.queue().push(job)


async def retry_through_the_use_case(stores: Stores, task_id: TaskId) -> Enqueued:
    return await TaskRetrier(stores.uow(), stores.queue(), SystemClock()).execute(task_id, "retrier")


async def end_attempt(stores: Stores, task_id: TaskId, job: JobRequest, ending: str) -> None:
    """End the attempt so that a retry is allowed: cancelled while queued, cancelled while a worker
    held it (then reaped by arq, which leaves a result key), or failed by the worker (result key too)."""
    canceller = TaskCanceller(stores.uow(), stores.queue(), SystemClock())
    if ending == "cancel queued":
        await canceller.execute(task_id)
        return
    now = datetime.now(UTC)
    await arq_claims(stores.redis, job.job_id)
    await in_worker(stores, str(task_id), lambda t: t.start(job.attempt, now))
    if ending == "cancel running":
        await canceller.execute(task_id)
        assert await stores.redis.zscore(abort_jobs_ss, job.job_id) is not None, "a held job is aborted"
    else:
        await in_worker(stores, str(task_id), lambda t: t.fail(job.attempt, "boom", ErrorKind.PERMANENT, now))
    await arq_finishes(stores.redis, job.job_id, job.queue)


Round = tuple[list[bool], bool, str]  # callers (the use case, or a bare push), retry first?, how it ends


async def one_job_per_attempt(stores: Stores, task_type: TaskType, seeded: str, rounds: list[Round]) -> None:
    await reset(stores)
    [task] = await seed(stores, [(task_type, {"committed": "lost"}.get(seeded, seeded))])
    queue, job_ids = analysis_of(task_type).queue, []
    for number, (drawn, retry_first, ending) in enumerate(rounds):
        attempt = number + 1
        # A fresh task's first attempt exists once an enqueue opened it: one caller at least goes
        # through the use case (bare pushes of the job it will open race with it all the same).
        callers = [True, *drawn[1:]] if number == 0 and seeded == "fresh" else drawn
        job = JobRequest(job_id_for(task.id, attempt), queue, task.id, attempt, f"direct-{attempt}", task_type)
        calls: list[tuple[str, Coroutine[Any, Any, Enqueued | bool]]] = [
            ("enqueue", enqueue_through_the_use_case(stores, task.id, n))
            if use_case
            else ("push", push_directly(stores, job))
            for n, use_case in enumerate(callers)
        ]
        results: list[tuple[str, object]] = []
        if number > 0 and retry_first:  # the attempt is open and queued before anyone enqueues it again
            results.append(("retry", await retry_through_the_use_case(stores, task.id)))
        elif number > 0:  # the retry races with the enqueues
            calls.insert(0, ("retry", retry_through_the_use_case(stores, task.id)))
        outcomes = await asyncio.gather(*(call for _, call in calls), return_exceptions=True)
        results += zip((caller for caller, _ in calls), outcomes, strict=True)

        creators = []
        for caller, result in results:
            if isinstance(result, IllegalTransition):
                assert caller == "enqueue" and number > 0 and not retry_first, (caller, result)
                event("an enqueue was refused: it locked the row before the retry did")
            elif isinstance(result, BaseException):
                raise result
            elif isinstance(result, Enqueued):
                assert (result.job_id, result.queue) == (job.job_id, queue.value), result
                creators += [caller] if result.created else []
            else:
                creators += [caller] if result else []
        already_there = number == 0 and seeded == "queued"
        assert len(creators) == (0 if already_there else 1), f"{creators} each created a job for one attempt"
        if retry_first and number > 0:
            assert creators == ["retry"], "a retry's new attempt is queued by the retry itself"
        event(f"attempt {attempt}: the job was created by {creators[0] if creators else 'the seed'}")

        valkey = await valkey_state(stores.redis)
        mine = [j for q in QueueName for j in valkey.queues[q] if j.startswith(f"task:{task.id}:")]
        assert mine == [job.job_id] and job.job_id in valkey.queues[queue], mine
        assert [k for k in valkey.keys if k.startswith(f"{job_key_prefix}task:{task.id}:")] == [
            job_key_prefix + job.job_id
        ]
        assert [valkey.jobs[job.job_id]["k"][k] for k in ("task_id", "attempt")] == [str(task.id), attempt]
        row = await task_row(stores, str(task.id))
        assert (row["status"], row["attempt"], row["job_id"]) == ("PENDING", attempt, job.job_id)

        assert job.job_id not in job_ids, "a job id came back for a later attempt"
        job_ids.append(job.job_id)
        if number + 1 < len(rounds):
            await end_attempt(stores, task.id, job, ending)
            left = await valkey_state(stores.redis)
            assert all(job.job_id not in members for members in left.queues.values())
            assert job_key_prefix + job.job_id not in left.keys
    event(f"{len(rounds)} attempts, {sum(len(callers) for callers, _, _ in rounds)} enqueues")


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    task_type=st.sampled_from(TaskType),
    seeded=st.sampled_from(["fresh", "committed", "queued"]),
    rounds=st.lists(
        st.tuples(
            st.lists(st.booleans(), min_size=1, max_size=20),  # each caller: the use case, or a bare push
            st.booleans(),  # whether the retry opens the attempt before the others, or races with them
            st.sampled_from(["cancel queued", "cancel running", "fail"]),  # how the attempt ends
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_enqueueing_one_attempt_any_number_of_times_concurrently_makes_one_job(
    own_stores: Stores, task_type: TaskType, seeded: str, rounds: list[Round]
) -> None:
    own_stores.run(one_job_per_attempt(own_stores, task_type, seeded, rounds))
