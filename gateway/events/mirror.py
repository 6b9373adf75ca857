"""The order mirror of platforms listed from a local copy (`PlatformSpec.synced_mirror`):
the order poller saves every order it reads here, and `orders(...)` pages through it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from gateway.events.log import EventLog
from platforms.adapter import OrderQuery
from platforms.canonical import Order

T = TypeVar("T")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS order_mirror (
    store_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (store_id, order_id)
);
CREATE INDEX IF NOT EXISTS order_mirror_newest ON order_mirror (store_id, updated_at, order_id);
CREATE TABLE IF NOT EXISTS mirror_syncs (
    store_id TEXT PRIMARY KEY,
    synced_at TEXT NOT NULL
);
"""


def stamp(value: datetime) -> str:
    """A sortable UTC text stamp (microseconds, Z)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(text: str) -> datetime:
    """Back from `stamp`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class MirrorPage:
    """One page of a store's mirrored orders, and the offset of the next (None: the last)."""

    orders: list[Order]
    next_offset: int | None


def row_of(order: Order) -> tuple[str, str, str, str, str, str]:
    """The columns an order is stored under."""
    return (
        order.store_id,
        order.external_id,
        stamp(order.updated_at),
        stamp(order.created_at),
        order.status.value,
        order.model_dump_json(),
    )


def where(query: OrderQuery, mark: str) -> tuple[str, list[Any]]:
    """The query's filters as SQL (placeholder `mark`) and their parameters."""
    sql, params = "", list[Any]()
    if query.updated_after is not None:
        sql, params = sql + f" AND updated_at > {mark}", [*params, stamp(query.updated_after)]
    if query.created_after is not None:
        sql, params = sql + f" AND created_at > {mark}", [*params, stamp(query.created_after)]
    if query.status is not None:
        sql, params = sql + f" AND status = {mark}", [*params, query.status.value]
    return sql, params


def page_of(payloads: Sequence[str], offset: int, limit: int) -> MirrorPage:
    """`limit` + 1 rows read: the page, and whether another follows."""
    orders = [Order.model_validate_json(p) for p in payloads[:limit]]
    return MirrorPage(orders, offset + limit if len(payloads) > limit else None)


class OrderMirror(Protocol):
    """Mirrored orders per store, newest update first, and when each store last synced."""

    async def save(self, store_id: str, orders: Sequence[Order], synced_at: datetime) -> None:
        """Upsert `orders` (newer versions win) and record a completed sync."""
        ...

    async def upsert(self, orders: Sequence[Order]) -> None:
        """Upsert `orders` (newer versions win) between syncs: a webhook's refetch, so the
        mirror does not lag a delivered change by a poll interval (no sync is recorded)."""
        ...

    async def page(self, store_id: str, query: OrderQuery, offset: int, limit: int) -> MirrorPage:
        """Orders matching `query`, newest `updated_at` first, from `offset`."""
        ...

    async def synced_at(self, store_id: str) -> datetime | None:
        """When the store's mirror last completed a sync (None: never)."""
        ...

    async def aclose(self) -> None: ...


class SqliteOrderMirror:
    """The mirror in the event log's SQLite file, on a thread of its own."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cartgraph-mirror")
        self._db: sqlite3.Connection | None = None
        self._executor.submit(self._open).result()

    def __repr__(self) -> str:
        return f"SqliteOrderMirror({str(self.path)!r})"

    def _open(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout=10000")
        db.executescript(_SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        db = self._db
        if db is None:
            raise RuntimeError("order mirror is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, db)

    async def save(self, store_id: str, orders: Sequence[Order], synced_at: datetime) -> None:
        """One transaction: the orders (an older version never replaces a newer) and the sync."""
        await self._write(orders, (store_id, stamp(synced_at)))

    async def upsert(self, orders: Sequence[Order]) -> None:
        """The orders alone (a webhook's refetch): no sync recorded."""
        await self._write(orders, None)

    async def _write(self, orders: Sequence[Order], sync: tuple[str, str] | None) -> None:
        rows = [row_of(o) for o in orders]

        def run(db: sqlite3.Connection) -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT INTO order_mirror VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT"
                    " (store_id, order_id) DO UPDATE SET updated_at = excluded.updated_at,"
                    " created_at = excluded.created_at, status = excluded.status,"
                    " payload = excluded.payload WHERE excluded.updated_at >= updated_at",
                    rows,
                )
                if sync is not None:
                    db.execute("INSERT OR REPLACE INTO mirror_syncs VALUES (?, ?)", sync)

        await self._run(run)

    async def page(self, store_id: str, query: OrderQuery, offset: int, limit: int) -> MirrorPage:
        """Newest first, ties by order id (as the platforms list them)."""
        sql, params = where(query, "?")

        def run(db: sqlite3.Connection) -> list[str]:
            cursor = db.execute(
                f"SELECT payload FROM order_mirror WHERE store_id = ?{sql}"  # noqa: S608
                " ORDER BY updated_at DESC, order_id DESC LIMIT ? OFFSET ?",
                [store_id, *params, limit + 1, offset],
            )
            return [str(r[0]) for r in cursor.fetchall()]

        return page_of(await self._run(run), offset, limit)

    async def synced_at(self, store_id: str) -> datetime | None:
        """The last completed sync."""

        def run(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "SELECT synced_at FROM mirror_syncs WHERE store_id = ?", (store_id,)
            ).fetchone()
            return None if row is None else str(row[0])

        found = await self._run(run)
        return None if found is None else parse(found)

    async def aclose(self) -> None:
        """Close the connection and its thread."""
        db, self._db = self._db, None
        if db is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=False)


def open_mirror(event_log: EventLog) -> OrderMirror | None:
    """The mirror beside an event log (None for a log kind it does not know)."""
    from gateway.events.mirror_pg import PgOrderMirror
    from gateway.events.pg_log import PgEventLog
    from gateway.events.sqlite_log import SqliteEventLog

    if isinstance(event_log, SqliteEventLog):
        return SqliteOrderMirror(event_log.path)
    if isinstance(event_log, PgEventLog):
        return PgOrderMirror(event_log.url)
    return None
