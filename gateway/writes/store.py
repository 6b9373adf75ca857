"""The storage interface of the write queue; SQLite implements it, Redis/Postgres could."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from gateway.writes.model import Job, JobStatus, NewJob


class WriteStore(Protocol):
    """Durable jobs + idempotency records. Every method is atomic on its own.

    The queue is the only caller, and it needs nothing beyond these methods: a backend that
    implements them (with the same atomicity) can replace SQLite without touching callers.
    `watch` registers a wake-up for changes made by other processes (PostgreSQL NOTIFY); the
    worker also re-reads the table every `poll_seconds` in case one was missed.
    """

    poll_seconds: float

    def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` when another process enqueues or finishes a job (if it can tell)."""
        ...

    async def insert_or_get(self, new: NewJob, now: float) -> tuple[Job, bool]:
        """Insert unless (store_id, idempotency_key) exists; returns (job, created)."""
        ...

    async def get(self, job_id: str) -> Job | None:
        """One job by id."""
        ...

    async def list_jobs(
        self,
        *,
        store_ids: Sequence[str],
        status: JobStatus | None,
        before_seq: int | None,
        limit: int,
        submitted_by: str | None = None,
    ) -> list[Job]:
        """Jobs of these stores, newest first, optionally by status, older than `before_seq`,
        and only those one caller submitted when `submitted_by` is given."""
        ...

    async def count(
        self,
        *,
        store_ids: Sequence[str],
        status: JobStatus | None,
        submitted_by: str | None = None,
    ) -> int:
        """How many jobs of these stores (in this status, submitted by this caller)."""
        ...

    async def claim(self, now: float, limit: int) -> list[Job]:
        """Due jobs that are first in line for their (store, resource); marks them RUNNING.

        An earlier job of the resource that is quarantined in doubt holds the line until its
        next_attempt_at (its settle deadline): its late apply must not overwrite a later job."""
        ...

    async def next_due(self) -> float | None:
        """When the earliest waiting job becomes due (None when nothing waits)."""
        ...

    async def update(self, job_id: str, now: float, **fields: Any) -> Job:
        """Set some fields (status, in_doubt, checkpoint, result, error, ...) and return the job."""
        ...

    async def recover(self, now: float) -> int:
        """After a crash: RUNNING jobs (their worker is gone) become RETRYING, due now, or,
        when in doubt, at their stored next_attempt_at if later (the store may still apply
        what the dead worker sent until then)."""
        ...

    async def close(self) -> None:
        """Release the backend."""
        ...
