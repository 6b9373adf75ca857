"""The embedded `WriteStore`: stdlib sqlite3 in WAL mode, one file in the data directory."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from gateway.writes.model import Job, JobStatus, NewJob

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS write_jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    in_doubt INTEGER NOT NULL DEFAULT 0,
    checkpoint TEXT,
    result TEXT,
    last_error_code TEXT,
    last_error_message TEXT,
    platform_request_id TEXT,
    submitted_by TEXT,
    UNIQUE (store_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS write_jobs_resource ON write_jobs (store_id, resource_key, seq);
CREATE INDEX IF NOT EXISTS write_jobs_status ON write_jobs (status, next_attempt_at);
"""

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
_WAITING = (JobStatus.QUEUED.value, JobStatus.RETRYING.value)

# first in line: no earlier job of the same (store, resource) is still waiting or running,
# or quarantined in doubt while the store may still apply it (until its next_attempt_at).
_CLAIMABLE = """
SELECT j.* FROM write_jobs j
WHERE j.status IN ('QUEUED', 'RETRYING') AND j.next_attempt_at <= :now
  AND NOT EXISTS (
    SELECT 1 FROM write_jobs e
    WHERE e.store_id = j.store_id AND e.resource_key = j.resource_key AND e.seq < j.seq
      AND (e.status IN ('QUEUED', 'RETRYING', 'RUNNING')
        OR (e.status = 'QUARANTINED' AND e.in_doubt = 1 AND e.next_attempt_at > :now)))
ORDER BY j.seq LIMIT :limit
"""


def _row_to_job(row: sqlite3.Row) -> Job:
    values = dict(row)
    for name in _JSON_FIELDS:
        raw = values[name]
        values[name] = orjson.loads(raw) if raw is not None else None
    values["status"] = JobStatus(values["status"])
    values["in_doubt"] = bool(values["in_doubt"])
    return Job(**values)


def _encode(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        return None if value is None else orjson.dumps(value).decode()
    if isinstance(value, JobStatus):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


class SqliteWriteStore:
    """`WriteStore` on one sqlite3 connection; calls run in a thread, one at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves where atomicity matters.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a job the API acknowledged survives power loss, not only a process kill.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        _migrate(self._db)
        self._lock = threading.Lock()

    # no cross-process wake-up on SQLite: jobs other processes enqueue are found by re-reading.
    poll_seconds = 0.25

    def __repr__(self) -> str:
        return f"SqliteWriteStore({self.path!r})"

    def watch(self, wake: Callable[[], None]) -> None:
        """Nothing to watch: the table is re-read every `poll_seconds`."""

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock:
                return fn(self._db)

        return await asyncio.to_thread(locked)

    async def insert_or_get(self, new: NewJob, now: float) -> tuple[Job, bool]:
        def run(db: sqlite3.Connection) -> tuple[Job, bool]:
            cursor = db.execute(
                "INSERT OR IGNORE INTO write_jobs (id, store_id, kind, payload, idempotency_key,"
                " request_hash, resource_key, status, created_at, updated_at, next_attempt_at,"
                " submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'QUEUED', ?, ?, ?, ?)",
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
            row = db.execute(
                "SELECT * FROM write_jobs WHERE store_id = ? AND idempotency_key = ?",
                (new.store_id, new.idempotency_key),
            ).fetchone()
            return _row_to_job(row), cursor.rowcount == 1

        return await self._run(run)

    async def get(self, job_id: str) -> Job | None:
        def run(db: sqlite3.Connection) -> Job | None:
            row = db.execute("SELECT * FROM write_jobs WHERE id = ?", (job_id,)).fetchone()
            return None if row is None else _row_to_job(row)

        return await self._run(run)

    async def list_jobs(
        self,
        *,
        store_ids: Sequence[str],
        status: JobStatus | None,
        before_seq: int | None,
        limit: int,
        submitted_by: str | None = None,
    ) -> list[Job]:
        where, params = _filters(store_ids, status)
        if submitted_by is not None:
            where.append("submitted_by = ?")
            params.append(submitted_by)
        if before_seq is not None:
            where.append("seq < ?")
            params.append(before_seq)
        sql = f"SELECT * FROM write_jobs WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?"  # noqa: S608 - fixed clauses, values bound
        params.append(limit)
        rows = await self._run(lambda db: db.execute(sql, params).fetchall())
        return [_row_to_job(r) for r in rows]

    async def count(
        self,
        *,
        store_ids: Sequence[str],
        status: JobStatus | None,
        submitted_by: str | None = None,
    ) -> int:
        where, params = _filters(store_ids, status)
        if submitted_by is not None:
            where.append("submitted_by = ?")
            params.append(submitted_by)
        sql = f"SELECT COUNT(*) FROM write_jobs WHERE {' AND '.join(where)}"  # noqa: S608 - fixed clauses, values bound
        row = await self._run(lambda db: db.execute(sql, params).fetchone())
        return int(row[0])

    async def claim(self, now: float, limit: int) -> list[Job]:
        def run(db: sqlite3.Connection) -> list[Job]:
            db.execute("BEGIN IMMEDIATE")
            try:
                rows = db.execute(_CLAIMABLE, {"now": now, "limit": limit}).fetchall()
                ids = [r["id"] for r in rows]
                db.executemany(
                    "UPDATE write_jobs SET status = 'RUNNING', attempts = attempts + 1,"
                    " updated_at = ? WHERE id = ?",
                    [(now, i) for i in ids],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            placeholders = ",".join("?" * len(ids))
            claimed = db.execute(
                f"SELECT * FROM write_jobs WHERE id IN ({placeholders}) ORDER BY seq",  # noqa: S608
                ids,
            ).fetchall()
            return [_row_to_job(r) for r in claimed]

        return await self._run(run)

    async def next_due(self) -> float | None:
        def run(db: sqlite3.Connection) -> float | None:
            row = db.execute(
                "SELECT MIN(next_attempt_at) FROM write_jobs WHERE status IN (?, ?)", _WAITING
            ).fetchone()
            return None if row[0] is None else float(row[0])

        return await self._run(run)

    async def update(self, job_id: str, now: float, **fields: Any) -> Job:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        names = sorted(fields)
        assignments = ", ".join(f"{n} = ?" for n in names)
        values = [_encode(n, fields[n]) for n in names]

        def run(db: sqlite3.Connection) -> Job:
            db.execute(
                f"UPDATE write_jobs SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608 - names checked above
                [*values, now, job_id],
            )
            row = db.execute("SELECT * FROM write_jobs WHERE id = ?", (job_id,)).fetchone()
            return _row_to_job(row)

        return await self._run(run)

    async def recover(self, now: float) -> int:
        def run(db: sqlite3.Connection) -> int:
            # a job in doubt keeps a later next_attempt_at: when the store can no longer
            # apply what the dead worker sent (set before sending).
            cursor = db.execute(
                "UPDATE write_jobs SET status = 'RETRYING', next_attempt_at = CASE"
                " WHEN in_doubt = 1 THEN MAX(next_attempt_at, :now) ELSE :now END,"
                " updated_at = :now WHERE status = 'RUNNING'",
                {"now": now},
            )
            return cursor.rowcount

        return await self._run(run)

    async def close(self) -> None:
        await self._run(lambda db: db.close())


def _migrate(db: sqlite3.Connection) -> None:
    # data dirs from before API keys: add the column that records who submitted each write.
    columns = {row[1] for row in db.execute("PRAGMA table_info(write_jobs)")}
    if "submitted_by" not in columns:
        db.execute("ALTER TABLE write_jobs ADD COLUMN submitted_by TEXT")


def _filters(store_ids: Sequence[str], status: JobStatus | None) -> tuple[list[str], list[Any]]:
    where = [f"store_id IN ({','.join('?' * len(store_ids))})" if store_ids else "0"]
    params: list[Any] = list(store_ids)
    if status is not None:
        where.append("status = ?")
        params.append(status.value)
    return where, params
