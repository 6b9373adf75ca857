"""The order mirror on PostgreSQL (migration 0003), shared by every replica."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gateway.events.mirror import MirrorPage, page_of, parse, row_of, stamp, where
from gateway.storage.migrate import ensure_schema
from gateway.storage.postgres import Database, redact
from platforms.adapter import OrderQuery
from platforms.canonical import Order

_UPSERT = (
    "INSERT INTO order_mirror AS m VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT"
    " (store_id, order_id) DO UPDATE SET updated_at = excluded.updated_at,"
    " created_at = excluded.created_at, status = excluded.status, payload = excluded.payload"
    " WHERE excluded.updated_at >= m.updated_at"
)
_SYNCED = (
    "INSERT INTO mirror_syncs VALUES (%s, %s) ON CONFLICT (store_id)"
    " DO UPDATE SET synced_at = excluded.synced_at"
)


class PgOrderMirror:
    """OrderMirror on PostgreSQL."""

    def __init__(self, url: str, *, pool_size: int = 2) -> None:
        ensure_schema(url)
        self._db = Database(url, name="cartgraph-mirror", max_size=pool_size)

    def __repr__(self) -> str:
        return f"PgOrderMirror({redact(self._db.url)!r})"

    async def save(self, store_id: str, orders: Sequence[Order], synced_at: datetime) -> None:
        """One transaction: the orders (an older version never replaces a newer) and the sync."""
        async with self._db.connection() as conn, conn.transaction():
            async with conn.cursor() as cursor:
                await cursor.executemany(_UPSERT, [row_of(o) for o in orders])
            await conn.execute(_SYNCED, (store_id, stamp(synced_at)))

    async def upsert(self, orders: Sequence[Order]) -> None:
        """The orders alone (a webhook's refetch): no sync recorded."""
        if not orders:
            return
        async with self._db.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            await cursor.executemany(_UPSERT, [row_of(o) for o in orders])

    async def page(self, store_id: str, query: OrderQuery, offset: int, limit: int) -> MirrorPage:
        """Newest first, ties by order id."""
        sql, params = where(query, "%s")
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT payload FROM order_mirror WHERE store_id = %s{sql}"  # noqa: S608
                " ORDER BY updated_at DESC, order_id DESC LIMIT %s OFFSET %s",
                [store_id, *params, limit + 1, offset],
            )
            rows = await cursor.fetchall()
        return page_of([str(r["payload"]) for r in rows], offset, limit)

    async def synced_at(self, store_id: str) -> datetime | None:
        """The last completed sync."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT synced_at FROM mirror_syncs WHERE store_id = %s", (store_id,)
            )
            row = await cursor.fetchone()
        return None if row is None else parse(str(row["synced_at"]))

    async def aclose(self) -> None:
        """Close the pool."""
        await self._db.close()
