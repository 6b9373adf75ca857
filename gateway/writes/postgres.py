"""The shared `WriteStore`: PostgreSQL, so every replica accepts and runs writes from one queue."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import psycopg
from psycopg import sql

from gateway.storage.migrate import ensure_schema
from gateway.storage.postgres import (
    LEASE_HOLDERS,
    NS_RESOURCE,
    NS_WORKER,
    Database,
    Listener,
    SessionLocks,
    redact,
)
from gateway.writes.model import Job, JobStatus, NewJob

log = logging.getLogger("cartgraph.writes")

CHANNEL = "cartgraph_writes"
POLL_SECONDS = 2.0  # the safety net under NOTIFY: a worker re-reads the table this often
SWEEP_SECONDS = 2.0  # how often claim() looks for RUNNING jobs whose worker is gone
_JSON_FIELDS = ("payload", "checkpoint", "result")
_UPDATABLE = {
    "status",
    "attempts",
    "next_attempt_at",
    "in_doubt",
    "checkpoint",
    "result",
    "last_error_code",
    "last_error_message",
    "platform_request_id",
}
_COLUMNS = (
    "id, seq, store_id, kind, payload, idempotency_key, request_hash, resource_key, status,"
    " attempts, created_at, updated_at, next_attempt_at, in_doubt, checkpoint, result,"
    " last_error_code, last_error_message, platform_request_id, submitted_by"
)
# first in line: no earlier job of the same (store, resource) still waiting or running, or
# quarantined in doubt while the store may still apply it (until its next_attempt_at).
# SKIP LOCKED: a job another replica is claiming right now is left to it.
_CLAIM = f"""
WITH picked AS (
    SELECT j.seq FROM write_jobs j
    WHERE j.status IN ('QUEUED', 'RETRYING') AND j.next_attempt_at <= %(now)s
      AND NOT EXISTS (
        SELECT 1 FROM write_jobs e
        WHERE e.store_id = j.store_id AND e.resource_key = j.resource_key AND e.seq < j.seq
          AND (e.status IN ('QUEUED', 'RETRYING', 'RUNNING')
            OR (e.status = 'QUARANTINED' AND e.in_doubt AND e.next_attempt_at > %(now)s)))
    ORDER BY j.seq LIMIT %(limit)s
    FOR UPDATE OF j SKIP LOCKED)
UPDATE write_jobs w SET status = 'RUNNING', attempts = w.attempts + 1, updated_at = %(now)s,
    claimed_by = %(worker)s
FROM picked WHERE w.seq = picked.seq
RETURNING {", ".join(f"w.{c.strip()}" for c in _COLUMNS.split(","))}
"""  # noqa: S608 - fixed column names
_INSERT = f"""
INSERT INTO write_jobs (id, store_id, kind, payload, idempotency_key, request_hash, resource_key,
    status, created_at, updated_at, next_attempt_at, submitted_by)
VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s, 'QUEUED', %s, %s, %s, %s)
ON CONFLICT ON CONSTRAINT write_jobs_idempotency DO NOTHING RETURNING {_COLUMNS}
"""  # noqa: S608 - fixed column names
_SWEEP = f"""
UPDATE write_jobs SET status = 'RETRYING', updated_at = %(now)s, claimed_by = NULL,
    -- in doubt: not before the store can no longer apply what the dead worker sent
    next_attempt_at = CASE WHEN in_doubt THEN GREATEST(next_attempt_at, %(now)s) ELSE %(now)s END
WHERE status = 'RUNNING' AND (claimed_by IS NULL OR claimed_by NOT IN ({LEASE_HOLDERS}))
"""  # noqa: S608 - fixed SQL


def _job(row: dict[str, Any]) -> Job:
    values = dict(row)
    values["status"] = JobStatus(values["status"])
    return Job(**values)


def _encode(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        return None if value is None else orjson.dumps(value).decode()
    if isinstance(value, JobStatus):
        return value.value
    return value


class PgWriteStore:
    """`WriteStore` on PostgreSQL, safe with a worker in every replica.

    Each store holds a worker lease (a session advisory lock); a claimed job records the
    lease's key, and `recover` only requeues RUNNING jobs whose lease nobody holds, i.e.
    whose worker process (or its connection) died. Writes to one (store, resource) run one
    after another in `seq` order across replicas: see `insert_or_get` and `_CLAIM`.
    """

    poll_seconds = POLL_SECONDS

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        ensure_schema(url)
        self.url = url
        self._db = Database(url, name="cartgraph-writes", max_size=pool_size)
        self._leases = SessionLocks(url)
        self._worker_name = f"worker-{uuid.uuid4().hex}"
        self._worker: int | None = None
        self._listener: Listener | None = None
        self._swept_at = 0.0

    def __repr__(self) -> str:
        return f"PgWriteStore({redact(self.url)!r})"

    def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever any replica enqueues or finishes a job (LISTEN/NOTIFY)."""
        self._listener = Listener(self.url, CHANNEL, wake)

    async def insert_or_get(self, new: NewJob, now: float) -> tuple[Job, bool]:
        async with self._db.connection() as conn, conn.transaction():
            # enqueues of one resource commit one at a time, so within a resource seq order
            # is commit order: a claim never sees a later job while an earlier one is unseen.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s || '/' || %s))",
                (NS_RESOURCE, new.store_id, new.resource_key),
            )
            cursor = await conn.execute(
                _INSERT,
                (
                    new.id,
                    new.store_id,
                    new.kind,
                    orjson.dumps(new.payload).decode(),
                    new.idempotency_key,
                    new.request_hash,
                    new.resource_key,
                    now,
                    now,
                    now,
                    new.submitted_by,
                ),
            )
            row = await cursor.fetchone()
            if row is not None:
                await conn.execute("SELECT pg_notify(%s, 'enqueued')", (CHANNEL,))
                return _job(row), True
            # the key exists (or a concurrent insert of it just committed): its record wins.
            cursor = await conn.execute(
                f"SELECT {_COLUMNS} FROM write_jobs WHERE store_id = %s AND idempotency_key = %s",  # noqa: S608
                (new.store_id, new.idempotency_key),
            )
            found = await cursor.fetchone()
            assert found is not None  # the conflicting row is committed: DO NOTHING waited
            return _job(found), False

    async def get(self, job_id: str) -> Job | None:
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_COLUMNS} FROM write_jobs WHERE id = %s",  # noqa: S608
                (job_id,),
            )
            row = await cursor.fetchone()
        return None if row is None else _job(row)

    async def list_jobs(
        self,
        *,
        store_ids: Sequence[str],
        status: JobStatus | None,
        before_seq: int | None,
        limit: int,
        submitted_by: str | None = None,
    ) -> list[Job]:
        where, params = _filters(store_ids, status, submitted_by)
        if before_seq is not None:
            where.append("seq < %s")
            params.append(before_seq)
        query = f"SELECT {_COLUMNS} FROM write_jobs WHERE {' AND '.join(where)}"  # noqa: S608
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"{query} ORDER BY seq DESC LIMIT %s", [*params, limit])
            return [_job(r) for r in await cursor.fetchall()]

    async def count(
        self,
        *,
        store_ids: Sequence[str],
        status: JobStatus | None,
        submitted_by: str | None = None,
    ) -> int:
        where, params = _filters(store_ids, status, submitted_by)
        query = f"SELECT COUNT(*) AS n FROM write_jobs WHERE {' AND '.join(where)}"  # noqa: S608
        async with self._db.connection() as conn:
            row = await (await conn.execute(query, params)).fetchone()
        return 0 if row is None else int(row["n"])

    async def claim(self, now: float, limit: int) -> list[Job]:
        worker = await self._lease()
        if worker is None:
            return []  # no lease, no claims: recover() would take them from under us
        if time.monotonic() - self._swept_at > SWEEP_SECONDS:
            await self.recover(now)  # a dead replica's jobs come back within seconds
        async with self._db.connection() as conn:
            cursor = await conn.execute(_CLAIM, {"now": now, "limit": limit, "worker": worker})
            rows = await cursor.fetchall()
        return sorted((_job(r) for r in rows), key=lambda job: job.seq)

    async def next_due(self) -> float | None:
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT MIN(next_attempt_at) AS due FROM write_jobs"
                " WHERE status IN ('QUEUED', 'RETRYING')"
            )
            row = await cursor.fetchone()
        return None if row is None or row["due"] is None else float(row["due"])

    async def update(self, job_id: str, now: float, **fields: Any) -> Job:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        names = sorted(fields)
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(n)) for n in names
        )
        # fenced: once a job was requeued and claimed by another worker, a late update from
        # the worker that lost its lease must not overwrite the new attempt's state.
        query = sql.SQL(
            "UPDATE write_jobs SET {}, updated_at = %s WHERE id = %s"
            " AND (status <> 'RUNNING' OR claimed_by IS NOT DISTINCT FROM %s)"
        ).format(assignments)
        values = [_encode(n, fields[n]) for n in names]
        async with self._db.connection() as conn:
            cursor = await conn.execute(query, [*values, now, job_id, self._worker])
            if cursor.rowcount and "status" in fields:
                await conn.execute("SELECT pg_notify(%s, 'updated')", (CHANNEL,))
        job = await self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    async def recover(self, now: float) -> int:
        """RUNNING jobs whose worker lease nobody holds (their replica died) retry now."""
        self._swept_at = time.monotonic()
        async with self._db.connection() as conn:
            cursor = await conn.execute(_SWEEP, {"now": now})
            if cursor.rowcount:
                await conn.execute("SELECT pg_notify(%s, 'recovered')", (CHANNEL,))
                log.warning("requeued %d write job(s) of a worker that is gone", cursor.rowcount)
            return cursor.rowcount

    async def _lease(self) -> int | None:
        """This worker's lease key while it holds the lease (re-taken after a lost connection)."""
        if self._listener is not None:
            self._listener.start()
        try:
            key = await self._leases.try_hold(NS_WORKER, self._worker_name)
        except psycopg.Error as exc:
            log.warning("write worker has no lease (%s); claiming nothing", exc)
            return None
        # the key is a hash of the worker's own name: the same after a reconnect, so update()
        # keeps its fence on the jobs this worker still runs.
        self._worker = key if key is not None else self._worker
        return key

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        await self._leases.close()
        await self._db.close()


def _filters(
    store_ids: Sequence[str], status: JobStatus | None, submitted_by: str | None
) -> tuple[list[str], list[Any]]:
    where = ["store_id = ANY(%s)"]
    params: list[Any] = [list(store_ids)]
    if status is not None:
        where.append("status = %s")
        params.append(status.value)
    if submitted_by is not None:
        where.append("submitted_by = %s")
        params.append(submitted_by)
    return where, params
