"""The remap queries (receipts, events, corrections) on the SQLite and PostgreSQL logs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from gateway.events import pg_log, sqlite_log
from gateway.events.log import EventLog, Receipt
from gateway.events.remap import Correction, RemapStore
from platforms.events import StoredEvent, version_text
from platforms.ids import Kind

_RECEIPTS = "SELECT id, store_id, delivery_id, topic, headers, body FROM receipts"
_SINCE = (
    " FROM events WHERE store_id = {p} AND seq > {p} AND recorded_at >= {p} ORDER BY seq LIMIT {p}"
)
_LATEST = (
    " FROM events WHERE store_id = {p} AND kind = {p} AND object_id = {p} AND version = {p}"
    " ORDER BY seq DESC LIMIT 1"
)


def remap_store(event_log: EventLog) -> RemapStore:
    """The remap queries for this log's backend."""
    if isinstance(event_log, sqlite_log.SqliteEventLog):
        return SqliteRemapStore(event_log)
    if isinstance(event_log, pg_log.PgEventLog):
        return PgRemapStore(event_log)
    raise TypeError(f"no remap for {type(event_log).__name__}")


def _row(c: Correction, recorded_at: str) -> tuple[Any, ...]:
    d = c.candidate
    payload = orjson.dumps(d.payload).decode()
    head = (c.event_id, c.type.value, d.store_id, d.platform.value, d.kind.value, d.object_id)
    return (*head, d.version, d.source.value, recorded_at, payload)


class SqliteRemapStore:
    """On the SQLite log: its single writer thread runs every query."""

    def __init__(self, event_log: sqlite_log.SqliteEventLog) -> None:
        self.log = event_log

    async def receipts_since(self, store_id: str, since: datetime) -> list[Receipt]:
        def run(db: sqlite3.Connection) -> list[Receipt]:
            sql = f"{_RECEIPTS} WHERE store_id = ? AND received_at >= ? ORDER BY id"
            rows = db.execute(sql, (store_id, version_text(since))).fetchall()
            return [Receipt(r[0], r[1], r[2], r[3], orjson.loads(r[4]), bytes(r[5])) for r in rows]

        return await self.log._run(run)

    async def events_since(
        self, store_id: str, since: datetime, after: int, limit: int
    ) -> list[StoredEvent]:
        def run(db: sqlite3.Connection) -> list[StoredEvent]:
            sql = f"SELECT {sqlite_log._EVENT_COLUMNS}{_SINCE.format(p='?')}"
            rows = db.execute(sql, (store_id, after, version_text(since), limit)).fetchall()
            return [sqlite_log._event(r) for r in rows]

        return await self.log._run(run)

    async def latest_event(
        self, store_id: str, kind: Kind, object_id: str, version: str
    ) -> StoredEvent | None:
        def run(db: sqlite3.Connection) -> StoredEvent | None:
            sql = f"SELECT {sqlite_log._EVENT_COLUMNS}{_LATEST.format(p='?')}"
            row = db.execute(sql, (store_id, kind.value, object_id, version)).fetchone()
            return None if row is None else sqlite_log._event(row)

        return await self.log._run(run)

    async def append_corrections(self, corrections: Sequence[Correction]) -> list[StoredEvent]:
        def run(db: sqlite3.Connection) -> list[StoredEvent]:
            db.execute("BEGIN IMMEDIATE")
            seqs = []
            try:
                for c in corrections:
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO events (event_id, type, store_id, platform, kind,"
                        " object_id, version, source, recorded_at, payload)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        _row(c, sqlite_log._now()),
                    )
                    if cursor.rowcount and cursor.lastrowid is not None:
                        seqs.append(cursor.lastrowid)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            marks = ",".join("?" * len(seqs))
            sql = f"SELECT {sqlite_log._EVENT_COLUMNS} FROM events WHERE seq IN ({marks})"  # noqa: S608
            return [sqlite_log._event(r) for r in db.execute(sql + " ORDER BY seq", seqs)]

        return await self.log._run(run)


class PgRemapStore:
    """On the PostgreSQL log: corrections take sequences under its lock, and NOTIFY tails."""

    def __init__(self, event_log: pg_log.PgEventLog) -> None:
        self.log = event_log

    async def receipts_since(self, store_id: str, since: datetime) -> list[Receipt]:
        async with self.log._db.connection() as conn:
            cursor = await conn.execute(
                f"{_RECEIPTS} WHERE store_id = %s AND received_at >= %s ORDER BY id",
                (store_id, since),
            )
            rows = await cursor.fetchall()
        return [
            Receipt(
                r["id"], r["store_id"], r["delivery_id"], r["topic"], r["headers"], bytes(r["body"])
            )
            for r in rows
        ]

    async def events_since(
        self, store_id: str, since: datetime, after: int, limit: int
    ) -> list[StoredEvent]:
        async with self.log._db.connection() as conn:
            sql = f"SELECT {pg_log._EVENT_COLUMNS}{_SINCE.format(p='%s')}"
            cursor = await conn.execute(sql, (store_id, after, version_text(since), limit))
            rows = await cursor.fetchall()
        return [pg_log._event(r) for r in rows]

    async def latest_event(
        self, store_id: str, kind: Kind, object_id: str, version: str
    ) -> StoredEvent | None:
        async with self.log._db.connection() as conn:
            sql = f"SELECT {pg_log._EVENT_COLUMNS}{_LATEST.format(p='%s')}"
            cursor = await conn.execute(sql, (store_id, kind.value, object_id, version))
            row = await cursor.fetchone()
        return None if row is None else pg_log._event(row)

    async def append_corrections(self, corrections: Sequence[Correction]) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        async with self.log._db.connection() as conn, conn.transaction():
            last = await pg_log._lock_sequence(conn)
            for c in corrections:
                row = (last + len(events) + 1, *_row(c, sqlite_log._now()))
                cursor = await conn.execute(pg_log._INSERT_EVENT, row)
                found = await cursor.fetchone()
                if found is not None:
                    events.append(pg_log._event(found))
            if events:
                newest = events[-1].sequence
                await conn.execute("UPDATE event_sequence SET last_seq = %s", (newest,))
                await conn.execute("SELECT pg_notify(%s, %s)", (pg_log.CHANNEL, str(newest)))
        return events
