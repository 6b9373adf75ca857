"""The write queue: idempotent enqueue, waiting for outcomes, listing, replay, and the worker."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from gateway.stores import StoreRegistry
from gateway.writes.model import Job, JobStatus, NewJob
from gateway.writes.postgres import PgWriteStore
from gateway.writes.runner import JobRunner
from gateway.writes.sqlite import SqliteWriteStore
from gateway.writes.store import WriteStore
from platforms.errors import InvalidInputError, UnsupportedOnPlatformError
from platforms.http import RetryPolicy
from platforms.registry import get_spec
from platforms.writes.commands import (
    IdempotencyKeyReusedError,
    OutcomeUnknownError,
    PlatformWriter,
    WriteCommand,
)

log = logging.getLogger("cartgraph.writes")

DB_FILE = "writes.sqlite3"
LOCK_FILE = "writes.lock"
LEADER_RETRY_SECONDS = 1.0
MAX_KEY_LENGTH = 255
POLL_SECONDS = 0.25  # also picks up jobs another process enqueued into the same store


def open_store(data_dir: str | Path | None, url: str | None = None) -> WriteStore:
    """PostgreSQL at `url` (shared by replicas), else SQLite under `data_dir` (durable), or
    in memory when there is no data dir (tests)."""
    if url:
        return PgWriteStore(url)
    if data_dir is None:
        return SqliteWriteStore(":memory:")
    return SqliteWriteStore(Path(data_dir) / DB_FILE)


def open_queue(registry: StoreRegistry, data_dir: str | Path, url: str | None = None) -> WriteQueue:
    """The durable queue: on SQLite its worker is elected by a lock file in the data dir; on
    PostgreSQL every replica runs one (claims use SKIP LOCKED, see PgWriteStore)."""
    lock = None if url else Path(data_dir) / LOCK_FILE
    return WriteQueue(open_store(data_dir, url), registry, lock_path=lock)


class WriteQueue:
    """Accepts writes as durable jobs and runs them exactly once in effect.

    One instance per gateway process; it owns the worker for its data directory (two live
    workers on one directory would both recover each other's RUNNING jobs).
    """

    def __init__(
        self,
        store: WriteStore,
        registry: StoreRegistry,
        *,
        retry: RetryPolicy | None = None,
        concurrency: int = 32,
        clock: Callable[[], float] = time.time,
        lock_path: Path | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.concurrency = concurrency
        self._writers: dict[str, PlatformWriter | None] = {}
        self._changed = asyncio.Event()
        store.watch(self._changed.set)  # another replica enqueued or finished a job
        self._runner = JobRunner(
            store,
            self.writer,
            retry or RetryPolicy(8, 0.2, 30.0),
            clock,
            self._finished,
            self.invalidate_caches,
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._stopping = False
        self._leader = LeaderLock(lock_path)
        # wraps each attempt (gateway.telemetry: a span per write attempt); None: as is
        self.attempt_hook: (
            Callable[[Job, Coroutine[Any, Any, None]], Coroutine[Any, Any, None]] | None
        ) = None

    # --- writers ----------------------------------------------------------------------

    def writer(self, store_id: str) -> PlatformWriter:
        """The store's writer (built once, on its one client); Unsupported if it has none."""
        if store_id not in self._writers:
            handle = self.registry.get(store_id)
            factory = get_spec(handle.connection.platform).create_writer
            self._writers[store_id] = factory(handle.client) if factory else None
        found = self._writers[store_id]
        if found is None:
            handle = self.registry.get(store_id)
            raise UnsupportedOnPlatformError(
                f"{handle.connection.platform.value} has no write support",
                store_id=store_id,
                platform=handle.connection.platform.value,
            )
        return found

    # --- API ----------------------------------------------------------------------------

    async def enqueue(
        self,
        store_id: str,
        command: WriteCommand,
        idempotency_key: str | None = None,
        submitted_by: str | None = None,
    ) -> Job:
        """Accept a write (or find the one this key already names); never sends it twice."""
        writer = self.writer(store_id)
        if command.kind not in writer.supported:
            platform = self.registry.get(store_id).connection.platform.value
            reasons: dict[str, str] = getattr(writer, "unsupported", {})
            why = reasons.get(command.kind, f"{platform} has no API for {command.kind}")
            raise UnsupportedOnPlatformError(why, store_id=store_id, platform=platform)
        key = idempotency_key or uuid.uuid4().hex
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise InvalidInputError(f"Idempotency key must be 1-{MAX_KEY_LENGTH} characters")
        new = NewJob(
            id=f"wop_{uuid.uuid4().hex}",
            store_id=store_id,
            kind=command.kind,
            payload=command.payload(),
            idempotency_key=key,
            request_hash=command.request_hash(),
            resource_key=command.resource_key(),
            submitted_by=submitted_by,
        )
        job, created = await self.store.insert_or_get(new, self.clock())
        # another caller's key: refused like a different request (its result is not ours).
        other_caller = job.submitted_by != submitted_by
        if not created and (
            other_caller or job.request_hash != new.request_hash or job.kind != new.kind
        ):
            which = "" if other_caller else f" (operation {job.id})"  # not another's id
            raise IdempotencyKeyReusedError(
                f"Idempotency key {key[:64]!r} was used for a different request on store"
                f" {store_id!r}{which}",
                store_id=store_id,
            )
        if created:
            self._changed.set()
        return job

    async def wait(self, job_id: str, seconds: float) -> Job:
        """The job once finished, or as it stands after `seconds`."""
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            job = await self.get(job_id)
            remaining = deadline - asyncio.get_running_loop().time()
            if job.finished or remaining <= 0:
                if job.status is JobStatus.SUCCEEDED:
                    # the worker may be another process: this one's cache must not lag it.
                    self.invalidate_caches(job)
                return job
            event = self._runner.finished_event(job_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, POLL_SECONDS))

    def invalidate_caches(self, job: Job) -> None:
        """Drop the store's cached products after a write that changed them, so the next
        read asks the platform (a product's cache key is its id, which a variant-level write
        does not name: the store's whole product cache goes)."""
        if job.command.changes_products() and job.store_id in self.registry.store_ids:
            self.registry.get(job.store_id).products.invalidate()

    async def get(self, job_id: str) -> Job:
        """One job; InvalidInputError when there is none."""
        job = await self.store.get(job_id)
        if job is None:
            raise InvalidInputError(f"No write operation {job_id[:64]!r}")
        return job

    async def replay(self, job_id: str) -> Job:
        """Re-queue a quarantined job. A job left in doubt is reconciled before any re-send,
        unless a person quarantined it as OUTCOME_UNKNOWN and now asks for a fresh send."""
        job = await self.get(job_id)
        if job.status is not JobStatus.QUARANTINED:
            raise InvalidInputError(
                f"Operation {job_id} is {job.status.value}; only quarantined ones can be replayed"
            )
        fresh = job.last_error_code == OutcomeUnknownError.code or not job.in_doubt
        job = await self.store.update(
            job_id,
            self.clock(),
            status=JobStatus.QUEUED,
            attempts=0,
            next_attempt_at=self.clock(),
            in_doubt=job.in_doubt and not fresh,
            checkpoint=None if fresh else job.checkpoint,
        )
        self._changed.set()
        return job

    async def list_jobs(
        self,
        store_ids: Sequence[str],
        status: JobStatus | None = None,
        before_seq: int | None = None,
        limit: int = 50,
        submitted_by: str | None = None,
    ) -> list[Job]:
        """Jobs of these stores, newest first (only one caller's when `submitted_by`)."""
        return await self.store.list_jobs(
            store_ids=store_ids,
            status=status,
            before_seq=before_seq,
            limit=limit,
            submitted_by=submitted_by,
        )

    async def count(
        self,
        store_ids: Sequence[str],
        status: JobStatus | None = None,
        submitted_by: str | None = None,
    ) -> int:
        """How many jobs (in a status, of one caller): also what the benchmark reads."""
        return await self.store.count(store_ids=store_ids, status=status, submitted_by=submitted_by)

    # --- worker ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WriteQueue]:
        """Run the worker (once this process holds the data dir's lock), stop it on exit.

        Several gateway processes may share a data dir (`serve --workers N`): all accept
        writes, one runs them. The OS drops a killed leader's lock, so the next process to
        take it knows the previous worker is gone and recovers its RUNNING jobs.
        """
        self._stopping = False
        self._dispatcher = asyncio.create_task(self._lead())
        try:
            yield self
        finally:
            self._stopping = True
            self._changed.set()
            await self._dispatcher
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self._leader.release()
            await self.store.close()

    async def _lead(self) -> None:
        while not self._leader.try_acquire():
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_stop(), LEADER_RETRY_SECONDS)
        recovered = await self.store.recover(self.clock())
        if recovered:
            log.warning("recovered %d write job(s) left running by a previous worker", recovered)
        await self._dispatch()

    async def _wait_stop(self) -> None:
        while not self._stopping:
            await self._changed.wait()
            self._changed.clear()

    def _finished(self) -> None:
        self._changed.set()

    async def _dispatch(self) -> None:
        while not self._stopping:
            self._changed.clear()
            free = self.concurrency - len(self._tasks)
            if free > 0:
                for job in await self.store.claim(self.clock(), free):
                    attempt = self._runner.run(job)
                    if self.attempt_hook is not None:
                        attempt = self.attempt_hook(job, attempt)
                    task = asyncio.create_task(attempt)
                    self._tasks.add(task)
                    task.add_done_callback(self._task_done)
            due = await self.store.next_due()
            now = self.clock()
            # a due job that was not claimed waits behind its resource: a finish wakes us.
            poll = self.store.poll_seconds
            pause = poll if due is None or due <= now else min(due - now, poll)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), pause)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._changed.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("write job task failed", exc_info=task.exception())


class LeaderLock:
    """An exclusive `flock` on a file: held for the life of the worker, freed by the OS on death."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """True when this process now holds the lock (always, without a lock file)."""
        if self.path is None or self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (closing the file releases the flock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
