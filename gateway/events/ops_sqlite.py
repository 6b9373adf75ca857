"""The ops store on SQLite: tables in the event log's own file, one thread of its own."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from gateway.events.log import Receipt
from gateway.events.ops_store import (
    DeadLetter,
    LetterSource,
    LetterStatus,
    NewLetter,
    ReceiptNote,
    ReceiptStats,
    letter_of,
)
from gateway.events.sqlite_log import _EVENT_COLUMNS, _event, _parse_time
from platforms.events import DELETED, StoredEvent
from platforms.ids import Kind

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id TEXT NOT NULL,
    source TEXT NOT NULL,
    topic TEXT NOT NULL,
    receipt_id INTEGER,
    kind TEXT,
    object_id TEXT,
    body BLOB,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_store ON dead_letters (store_id, id);
CREATE INDEX IF NOT EXISTS dead_letters_object ON dead_letters (store_id, kind, object_id);
CREATE TABLE IF NOT EXISTS receipt_objects (
    receipt_id INTEGER NOT NULL,
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    PRIMARY KEY (store_id, kind, object_id, receipt_id)
);
CREATE INDEX IF NOT EXISTS events_object ON events (store_id, kind, object_id);
"""
_LETTER = (
    "id, store_id, source, topic, receipt_id, kind, object_id, body, error_code, error_message,"
    " status, attempts, created_at, updated_at"
)


class SqliteOpsStore:
    """OpsStore over `events.sqlite3` (WAL: it writes beside the log's own connection)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cartgraph-ops")
        self._db: sqlite3.Connection | None = None
        self._executor.submit(self._open).result()

    def _open(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=10000")
        db.executescript(_SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        db = self._db
        if db is None:
            raise RuntimeError("ops store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, db)

    async def quarantine(self, letter: NewLetter) -> int:
        """Record (or count again) a dead letter; its receipt stops being pending."""

        def run(db: sqlite3.Connection) -> int:
            now = time.time()
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(_SAME, _same_params(letter)).fetchone()
                if row is not None:
                    db.execute(_AGAIN, (letter.error_code, letter.error_message, now, row[0]))
                    ident = int(row[0])
                else:
                    ident = int(db.execute(_INSERT, _insert_params(letter, now)).lastrowid or 0)
                if letter.receipt_id is not None:
                    db.execute(
                        "UPDATE receipts SET processed = 1 WHERE id = ?", (letter.receipt_id,)
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return ident

        return await self._run(run)

    async def letters(
        self,
        store_ids: Sequence[str],
        source: LetterSource | None,
        status: LetterStatus | None,
        limit: int,
    ) -> list[DeadLetter]:
        """Newest first."""
        marks = ",".join("?" * len(store_ids)) or "NULL"
        sql = f"SELECT {_LETTER} FROM dead_letters WHERE store_id IN ({marks})"  # noqa: S608
        params: list[Any] = list(store_ids)
        if source is not None:
            sql, params = sql + " AND source = ?", [*params, source.value]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status.value]
        rows = await self._run(
            lambda db: db.execute(f"{sql} ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
        )
        return [letter_of(r) for r in rows]

    async def letter(self, letter_id: int) -> DeadLetter | None:
        """One letter by id."""
        sql = f"SELECT {_LETTER} FROM dead_letters WHERE id = ?"  # noqa: S608
        row = await self._run(lambda db: db.execute(sql, (letter_id,)).fetchone())
        return None if row is None else letter_of(row)

    async def letters_of(self, store_id: str, kind: Kind, object_id: str) -> list[DeadLetter]:
        """Every letter naming one object, oldest first."""
        sql = f"SELECT {_LETTER} FROM dead_letters WHERE store_id = ? AND kind = ?"  # noqa: S608
        sql += " AND object_id = ? ORDER BY id"
        params = (store_id, kind.value, object_id)
        return [
            letter_of(r) for r in await self._run(lambda db: db.execute(sql, params).fetchall())
        ]

    async def settle(self, letter_id: int, error: tuple[str, str] | None) -> DeadLetter | None:
        """REPLAYED, or still quarantined with the replay's error (attempts + 1)."""

        def run(db: sqlite3.Connection) -> None:
            if error is None:
                db.execute(_REPLAYED, (time.time(), letter_id))
            else:
                db.execute(_AGAIN, (*error, time.time(), letter_id))

        await self._run(run)
        return await self.letter(letter_id)

    async def receipt(self, receipt_id: int) -> Receipt | None:
        """A stored receipt, processed or not."""
        sql = "SELECT id, store_id, delivery_id, topic, headers, body FROM receipts WHERE id = ?"
        r = await self._run(lambda db: db.execute(sql, (receipt_id,)).fetchone())
        if r is None:
            return None
        headers = orjson.loads(r["headers"])
        return Receipt(
            r["id"], r["store_id"], r["delivery_id"], r["topic"], headers, bytes(r["body"])
        )

    async def link(
        self, receipt_id: int, store_id: str, objects: Sequence[tuple[Kind, str]]
    ) -> None:
        """Remember which objects a receipt showed."""
        rows = [(receipt_id, store_id, kind.value, ident) for kind, ident in objects]
        await self._run(
            lambda db: db.executemany(
                "INSERT OR IGNORE INTO receipt_objects (receipt_id, store_id, kind, object_id)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        )

    async def receipts_of(self, store_id: str, kind: Kind, object_id: str) -> list[ReceiptNote]:
        """The receipts that showed one object, oldest first."""
        sql = (
            "SELECT r.id, r.store_id, r.delivery_id, r.topic, r.received_at FROM receipts r"
            " JOIN receipt_objects o ON o.receipt_id = r.id"
            " WHERE o.store_id = ? AND o.kind = ? AND o.object_id = ? ORDER BY r.id"
        )
        rows = await self._run(
            lambda db: db.execute(sql, (store_id, kind.value, object_id)).fetchall()
        )
        return [ReceiptNote(r[0], r[1], r[2], r[3], _epoch(r[4])) for r in rows]

    async def events_of(self, store_id: str, kind: Kind, object_id: str) -> list[StoredEvent]:
        """Every event of one object, in log order."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE store_id = ? AND kind = ?"  # noqa: S608
        sql += " AND object_id = ? ORDER BY seq"
        rows = await self._run(
            lambda db: db.execute(sql, (store_id, kind.value, object_id)).fetchall()
        )
        return [_event(r) for r in rows]

    async def receipt_stats(self, store_id: str, since: float) -> ReceiptStats:
        """Receipts since `since` (epoch seconds), how many were quarantined, the last one."""

        def run(db: sqlite3.Connection) -> ReceiptStats:
            rows = db.execute(
                "SELECT received_at FROM receipts WHERE store_id = ? ORDER BY id DESC LIMIT 10000",
                (store_id,),
            ).fetchall()
            times = [_epoch(r[0]) for r in rows]
            bad = db.execute(
                "SELECT COUNT(*) FROM dead_letters WHERE store_id = ? AND source = 'WEBHOOK'"
                " AND created_at >= ?",
                (store_id, since),
            ).fetchone()[0]
            recent = sum(1 for t in times if t >= since)
            return ReceiptStats(recent, int(bad), times[0] if times else None)

        return await self._run(run)

    async def live_objects(self, store_id: str, kind: Kind) -> dict[str, str]:
        """Objects on record whose last state is not DELETED: id -> version."""
        sql = "SELECT object_id, version, state FROM object_versions"
        sql += " WHERE store_id = ? AND kind = ?"
        rows = await self._run(lambda db: db.execute(sql, (store_id, kind.value)).fetchall())
        return {str(r[0]): r[1] for r in rows if orjson.loads(r[2]).get("status") != DELETED}

    async def version_of(self, store_id: str, kind: Kind, object_id: str) -> str | None:
        """The object's recorded version (None when never seen)."""
        sql = "SELECT version FROM object_versions WHERE store_id = ? AND kind = ?"
        sql += " AND object_id = ?"
        params = (store_id, kind.value, object_id)
        row = await self._run(lambda db: db.execute(sql, params).fetchone())
        return None if row is None else str(row[0])

    async def aclose(self) -> None:
        """Close the connection and its thread."""
        db, self._db = self._db, None
        if db is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=True)


def _epoch(text: str) -> float:
    return _parse_time(text).timestamp()


# one open letter per receipt, or per polled object: a repeat counts, it does not pile up.
_SAME = (
    "SELECT id FROM dead_letters WHERE status = 'QUARANTINED' AND store_id = ? AND ("
    "(receipt_id IS NOT NULL AND receipt_id = ?) OR"
    " (receipt_id IS NULL AND source = ? AND kind IS ? AND object_id IS ? AND topic = ?))"
)
_AGAIN = (
    "UPDATE dead_letters SET error_code = ?, error_message = ?, updated_at = ?,"
    " attempts = attempts + 1, status = 'QUARANTINED' WHERE id = ?"
)
_REPLAYED = "UPDATE dead_letters SET status = 'REPLAYED', updated_at = ? WHERE id = ?"
_INSERT = (
    "INSERT INTO dead_letters (store_id, source, topic, receipt_id, kind, object_id, body,"
    " error_code, error_message, status, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'QUARANTINED', ?, ?)"
)


def _same_params(letter: NewLetter) -> tuple[Any, ...]:
    kind = letter.kind.value if letter.kind else None
    return (
        letter.store_id,
        letter.receipt_id,
        letter.source.value,
        kind,
        letter.object_id,
        letter.topic,
    )


def _insert_params(letter: NewLetter, now: float) -> tuple[Any, ...]:
    return (
        letter.store_id,
        letter.source.value,
        letter.topic,
        letter.receipt_id,
        letter.kind.value if letter.kind else None,
        letter.object_id,
        letter.body,
        letter.error_code,
        letter.error_message,
        now,
        now,
    )
