"""The default event log: SQLite in WAL mode, one writer thread, the EventLog contract."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson

from gateway.events.log import Checkpoint, EventFilter, Receipt
from platforms.canonical import Platform
from platforms.events import (
    Candidate,
    EventSource,
    EventType,
    ObjectState,
    StoredEvent,
    derive_types,
    transition_event_id,
    unchanged,
)
from platforms.ids import Kind

T = TypeVar("T")
# ids per IN (...) query: well under SQLite's bound-parameter limit on every build.
KNOWN_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    received_at TEXT NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (store_id, delivery_id)
);
CREATE INDEX IF NOT EXISTS receipts_pending ON receipts (processed, id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    store_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    version TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_store ON events (store_id, seq);
CREATE TABLE IF NOT EXISTS object_versions (
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    version TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (store_id, kind, object_id)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    store_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (store_id, stream)
);
"""

_EVENT_COLUMNS = (
    "seq, event_id, type, store_id, platform, kind, object_id, version, source, recorded_at,"
    " payload"
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _event(row: sqlite3.Row) -> StoredEvent:
    return StoredEvent(
        sequence=row["seq"],
        event_id=row["event_id"],
        type=EventType(row["type"]),
        store_id=row["store_id"],
        platform=Platform(row["platform"]),
        kind=Kind(row["kind"]),
        object_id=row["object_id"],
        version=row["version"],
        occurred_at=_parse_time(row["version"]),
        recorded_at=_parse_time(row["recorded_at"]),
        source=EventSource(row["source"]),
        payload=orjson.loads(row["payload"]),
    )


class SqliteEventLog:
    """The default EventLog: one SQLite file in WAL mode, owned by one writer thread.

    Every call runs on a single dedicated thread, so writes are serialised without locks
    and the event loop never blocks on disk. `synchronous=FULL` makes a committed receipt
    survive a power cut, which is what acknowledging a webhook promises.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cartgraph-log")
        self._db: sqlite3.Connection | None = None
        self._executor.submit(self._open).result()

    # no cross-process wake-up on SQLite: a second worker's appends are found by re-reading.
    tail_seconds = 0.5

    def __repr__(self) -> str:
        return f"SqliteEventLog({str(self.path)!r})"

    def watch(self, wake: Callable[[], None]) -> None:
        """Nothing to watch: this process's own appends wake its tail directly."""

    async def poll_lease(self, store_id: str, stream: str) -> bool:
        """Always: on SQLite every process of the data dir polls (dedupe drops repeats)."""
        return True

    def _open(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=10000")  # another process (a second worker) may write
        db.executescript(_SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        db = self._db
        if db is None:
            raise RuntimeError("event log is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, db)

    async def store_receipt(
        self, store_id: str, delivery_id: str, topic: str, headers: Mapping[str, str], body: bytes
    ) -> int | None:
        """Store a verified webhook durably; None when this delivery id was stored before."""

        def run(db: sqlite3.Connection) -> int | None:
            cursor = db.execute(
                "INSERT OR IGNORE INTO receipts"
                " (store_id, delivery_id, topic, headers, body, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (store_id, delivery_id, topic, orjson.dumps(dict(headers)), body, _now()),
            )
            return cursor.lastrowid if cursor.rowcount else None

        return await self._run(run)

    async def pending_receipts(self) -> list[Receipt]:
        """Receipts stored but not processed yet, oldest first (start-up recovery)."""

        def run(db: sqlite3.Connection) -> list[Receipt]:
            rows = db.execute(
                "SELECT id, store_id, delivery_id, topic, headers, body FROM receipts"
                " WHERE processed = 0 ORDER BY id"
            ).fetchall()
            return [
                Receipt(
                    r["id"],
                    r["store_id"],
                    r["delivery_id"],
                    r["topic"],
                    orjson.loads(r["headers"]),
                    bytes(r["body"]),
                )
                for r in rows
            ]

        return await self._run(run)

    async def mark_processed(self, receipt_id: int) -> None:
        """Mark a receipt done without events (nothing in it became an event)."""
        await self._run(
            lambda db: db.execute("UPDATE receipts SET processed = 1 WHERE id = ?", (receipt_id,))
        )

    async def append(
        self,
        candidates: Sequence[Candidate],
        *,
        receipt_id: int | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> list[StoredEvent]:
        """Dedupe, type and append candidates atomically (see EventLog); returns new events."""

        def run(db: sqlite3.Connection) -> list[StoredEvent]:
            db.execute("BEGIN IMMEDIATE")
            try:
                seqs = [s for c in candidates for s in _append_one(db, c)]
                if receipt_id is not None:
                    db.execute("UPDATE receipts SET processed = 1 WHERE id = ?", (receipt_id,))
                if checkpoint is not None:
                    _upsert_checkpoint(db, checkpoint)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if not seqs:
                return []
            marks = ",".join("?" * len(seqs))
            rows = db.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq IN ({marks}) ORDER BY seq",  # noqa: S608
                seqs,
            ).fetchall()
            return [_event(r) for r in rows]

        return await self._run(run)

    async def remember(self, candidates: Sequence[Candidate], checkpoint: Checkpoint) -> None:
        """A poller's baseline: versions already in the store are history, not events."""

        def run(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                for candidate in candidates:
                    _remember_version(db, candidate)
                _upsert_checkpoint(db, checkpoint)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

        await self._run(run)

    async def known_objects(self, store_id: str, kind: Kind, object_ids: Sequence[str]) -> set[str]:
        """Which of `object_ids` have a version on record (an event or a baseline)."""
        wanted = list(dict.fromkeys(object_ids))

        def run(db: sqlite3.Connection) -> set[str]:
            known: set[str] = set()
            for start in range(0, len(wanted), KNOWN_CHUNK):
                part = wanted[start : start + KNOWN_CHUNK]
                marks = ",".join("?" * len(part))
                where = f"store_id = ? AND kind = ? AND object_id IN ({marks})"
                sql = f"SELECT object_id FROM object_versions WHERE {where}"  # noqa: S608
                rows = db.execute(sql, [store_id, kind.value, *part]).fetchall()
                known.update(str(r[0]) for r in rows)
            return known

        return await self._run(run)

    async def read_after(
        self, after: int, event_filter: EventFilter, limit: int = 500
    ) -> list[StoredEvent]:
        """Events after sequence `after` that pass the filter, oldest first, at most `limit`."""

        def run(db: sqlite3.Connection) -> list[StoredEvent]:
            sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq > ?"  # noqa: S608
            params: list[Any] = [after]
            if event_filter.store_ids is not None:
                sql += f" AND store_id IN ({','.join('?' * len(event_filter.store_ids))})"
                params.extend(sorted(event_filter.store_ids))
            if event_filter.types is not None:
                sql += f" AND type IN ({','.join('?' * len(event_filter.types))})"
                params.extend(sorted(t.value for t in event_filter.types))
            rows = db.execute(f"{sql} ORDER BY seq LIMIT ?", [*params, limit]).fetchall()
            return [_event(r) for r in rows]

        return await self._run(run)

    async def last_sequence(self) -> int:
        """The newest sequence number (0 for an empty log)."""
        row = await self._run(lambda db: db.execute("SELECT MAX(seq) FROM events").fetchone())
        return int(row[0] or 0)

    async def checkpoint(self, store_id: str, stream: str) -> str | None:
        """A poller's checkpoint, None before its first poll."""
        row = await self._run(
            lambda db: db.execute(
                "SELECT value FROM checkpoints WHERE store_id = ? AND stream = ?",
                (store_id, stream),
            ).fetchone()
        )
        return None if row is None else str(row[0])

    async def set_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Set a checkpoint on its own (the baseline poll, which emits nothing)."""
        await self._run(lambda db: _upsert_checkpoint(db, checkpoint))

    async def newest_event_at(self, store_id: str) -> datetime | None:
        """When the newest change recorded for the store happened (its version)."""
        row = await self._run(
            lambda db: db.execute(
                "SELECT MAX(version) FROM events WHERE store_id = ?", (store_id,)
            ).fetchone()
        )
        return None if row is None or row[0] is None else _parse_time(row[0])

    def count(self, table: str) -> int:
        """Rows in a table (tests and diagnostics; blocking)."""
        if table not in ("receipts", "events", "object_versions", "checkpoints"):
            raise ValueError(f"unknown table {table!r}")
        db = self._db
        assert db is not None
        future = self._executor.submit(
            lambda: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
        )
        return int(future.result())

    async def aclose(self) -> None:
        """Close the database and its thread."""
        db, self._db = self._db, None
        if db is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=True)


def _append_one(db: sqlite3.Connection, candidate: Candidate) -> list[int]:
    """The sequence numbers of the events one candidate adds (none for a repeat)."""
    key = (candidate.store_id, candidate.kind.value, candidate.object_id)
    row = db.execute(
        "SELECT version, state FROM object_versions"
        " WHERE store_id = ? AND kind = ? AND object_id = ?",
        key,
    ).fetchone()
    previous: ObjectState | None = None
    if row is not None:
        if candidate.version <= row["version"]:
            return []  # a repeat, or older than what subscribers already have
        previous = ObjectState.from_json(orjson.loads(row["state"]))
    if unchanged(candidate, previous):
        _remember_version(db, candidate)  # seen: a repeat of it is not news either
        return []
    payload = orjson.dumps(candidate.payload).decode()
    seqs: list[int] = []
    for index, type_ in enumerate(derive_types(candidate, previous)):
        cursor = db.execute(
            "INSERT OR IGNORE INTO events (event_id, type, store_id, platform, kind, object_id,"
            " version, source, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                transition_event_id(candidate, index, type_),
                type_.value,
                candidate.store_id,
                candidate.platform.value,
                candidate.kind.value,
                candidate.object_id,
                candidate.version,
                candidate.source.value,
                _now(),
                payload,
            ),
        )
        if cursor.rowcount and cursor.lastrowid is not None:
            seqs.append(cursor.lastrowid)
    if seqs:
        _remember_version(db, candidate)
    return seqs


def _remember_version(db: sqlite3.Connection, candidate: Candidate) -> None:
    db.execute(
        "INSERT INTO object_versions (store_id, kind, object_id, version, state)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (store_id, kind, object_id)"
        " DO UPDATE SET version = excluded.version, state = excluded.state"
        " WHERE excluded.version > object_versions.version",
        (
            candidate.store_id,
            candidate.kind.value,
            candidate.object_id,
            candidate.version,
            orjson.dumps(candidate.state.as_json()).decode(),
        ),
    )


def _upsert_checkpoint(db: sqlite3.Connection, checkpoint: Checkpoint) -> None:
    db.execute(
        "INSERT INTO checkpoints (store_id, stream, value) VALUES (?, ?, ?)"
        " ON CONFLICT (store_id, stream) DO UPDATE SET value = excluded.value",
        (checkpoint.store_id, checkpoint.stream, checkpoint.value),
    )
