"""The ops store on PostgreSQL: the same tables as SQLite's, in the event log's database."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

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
from gateway.events.pg_log import _EVENT_COLUMNS, _event
from gateway.storage.migrate import ensure_schema
from gateway.storage.postgres import Database, redact
from platforms.events import DELETED, StoredEvent
from platforms.ids import Kind

_LETTER = (
    "id, store_id, source, topic, receipt_id, kind, object_id, body, error_code, error_message,"
    " status, attempts, created_at, updated_at"
)
# one open letter per receipt, or per polled object: a repeat counts, it does not pile up.
_SAME = (
    "SELECT id FROM dead_letters WHERE status = 'QUARANTINED' AND store_id = %(store)s AND ("
    "(receipt_id IS NOT NULL AND receipt_id = %(receipt)s) OR (receipt_id IS NULL"
    " AND source = %(source)s AND kind IS NOT DISTINCT FROM %(kind)s"
    " AND object_id IS NOT DISTINCT FROM %(object)s AND topic = %(topic)s)) FOR UPDATE"
)
_AGAIN = (
    "UPDATE dead_letters SET error_code = %s, error_message = %s, updated_at = %s,"
    " attempts = attempts + 1, status = 'QUARANTINED' WHERE id = %s"
)
_INSERT = (
    "INSERT INTO dead_letters (store_id, source, topic, receipt_id, kind, object_id, body,"
    " error_code, error_message, status, created_at, updated_at) VALUES (%(store)s, %(source)s,"
    " %(topic)s, %(receipt)s, %(kind)s, %(object)s, %(body)s, %(code)s, %(message)s,"
    " 'QUARANTINED', %(now)s, %(now)s) RETURNING id"
)


def _params(letter: NewLetter, now: float) -> dict[str, Any]:
    return {
        "store": letter.store_id,
        "source": letter.source.value,
        "topic": letter.topic,
        "receipt": letter.receipt_id,
        "kind": letter.kind.value if letter.kind else None,
        "object": letter.object_id,
        "body": letter.body,
        "code": letter.error_code,
        "message": letter.error_message,
        "now": now,
    }


class PgOpsStore:
    """OpsStore on PostgreSQL, shared by every replica (migration 0002)."""

    def __init__(self, url: str, *, pool_size: int = 2) -> None:
        ensure_schema(url)
        self._db = Database(url, name="cartgraph-ops", max_size=pool_size)

    def __repr__(self) -> str:
        return f"PgOpsStore({redact(self._db.url)!r})"

    async def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        async with self._db.connection() as conn:
            cursor = await conn.execute(sql, params)
            return list(await cursor.fetchall())

    async def quarantine(self, letter: NewLetter) -> int:
        """Record (or count again) a dead letter; its receipt stops being pending."""
        params = _params(letter, time.time())
        async with self._db.connection() as conn, conn.transaction():
            row = await (await conn.execute(_SAME, params)).fetchone()
            if row is not None:
                ident = int(row["id"])
                await conn.execute(
                    _AGAIN, (letter.error_code, letter.error_message, params["now"], ident)
                )
            else:
                inserted = await (await conn.execute(_INSERT, params)).fetchone()
                assert inserted is not None
                ident = int(inserted["id"])
            if letter.receipt_id is not None:
                await conn.execute(
                    "UPDATE receipts SET processed = TRUE WHERE id = %s", (letter.receipt_id,)
                )
        return ident

    async def letters(
        self,
        store_ids: Sequence[str],
        source: LetterSource | None,
        status: LetterStatus | None,
        limit: int,
    ) -> list[DeadLetter]:
        """Newest first."""
        sql = f"SELECT {_LETTER} FROM dead_letters WHERE store_id = ANY(%s)"  # noqa: S608
        params: list[Any] = [list(store_ids)]
        if source is not None:
            sql, params = sql + " AND source = %s", [*params, source.value]
        if status is not None:
            sql, params = sql + " AND status = %s", [*params, status.value]
        rows = await self._rows(f"{sql} ORDER BY id DESC LIMIT %s", [*params, limit])
        return [letter_of(r) for r in rows]

    async def letter(self, letter_id: int) -> DeadLetter | None:
        """One letter by id."""
        sql = f"SELECT {_LETTER} FROM dead_letters WHERE id = %s"  # noqa: S608
        rows = await self._rows(sql, (letter_id,))
        return letter_of(rows[0]) if rows else None

    async def letters_of(self, store_id: str, kind: Kind, object_id: str) -> list[DeadLetter]:
        """Every letter naming one object, oldest first."""
        sql = f"SELECT {_LETTER} FROM dead_letters"  # noqa: S608
        sql += " WHERE store_id = %s AND kind = %s AND object_id = %s ORDER BY id"
        return [letter_of(r) for r in await self._rows(sql, (store_id, kind.value, object_id))]

    async def settle(self, letter_id: int, error: tuple[str, str] | None) -> DeadLetter | None:
        """REPLAYED, or still quarantined with the replay's error (attempts + 1)."""
        async with self._db.connection() as conn:
            if error is None:
                await conn.execute(
                    "UPDATE dead_letters SET status = 'REPLAYED', updated_at = %s WHERE id = %s",
                    (time.time(), letter_id),
                )
            else:
                await conn.execute(_AGAIN, (*error, time.time(), letter_id))
        return await self.letter(letter_id)

    async def receipt(self, receipt_id: int) -> Receipt | None:
        """A stored receipt, processed or not."""
        rows = await self._rows(
            "SELECT id, store_id, delivery_id, topic, headers, body FROM receipts WHERE id = %s",
            (receipt_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return Receipt(
            r["id"], r["store_id"], r["delivery_id"], r["topic"], r["headers"], bytes(r["body"])
        )

    async def link(
        self, receipt_id: int, store_id: str, objects: Sequence[tuple[Kind, str]]
    ) -> None:
        """Remember which objects a receipt showed."""
        async with self._db.connection() as conn:
            for kind, ident in objects:
                await conn.execute(
                    "INSERT INTO receipt_objects (receipt_id, store_id, kind, object_id)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (receipt_id, store_id, kind.value, ident),
                )

    async def receipts_of(self, store_id: str, kind: Kind, object_id: str) -> list[ReceiptNote]:
        """The receipts that showed one object, oldest first."""
        rows = await self._rows(
            "SELECT r.id, r.store_id, r.delivery_id, r.topic, r.received_at FROM receipts r"
            " JOIN receipt_objects o ON o.receipt_id = r.id"
            " WHERE o.store_id = %s AND o.kind = %s AND o.object_id = %s ORDER BY r.id",
            (store_id, kind.value, object_id),
        )
        return [
            ReceiptNote(
                r["id"], r["store_id"], r["delivery_id"], r["topic"], r["received_at"].timestamp()
            )
            for r in rows
        ]

    async def events_of(self, store_id: str, kind: Kind, object_id: str) -> list[StoredEvent]:
        """Every event of one object, in log order."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM events"  # noqa: S608
        sql += " WHERE store_id = %s AND kind = %s AND object_id = %s ORDER BY seq"
        return [_event(r) for r in await self._rows(sql, (store_id, kind.value, object_id))]

    async def receipt_stats(self, store_id: str, since: float) -> ReceiptStats:
        """Receipts since `since` (epoch seconds), how many were quarantined, the last one."""
        rows = await self._rows(
            "SELECT (SELECT COUNT(*) FROM receipts WHERE store_id = %(s)s"
            "   AND received_at >= to_timestamp(%(t)s)) AS received,"
            " (SELECT COUNT(*) FROM dead_letters WHERE store_id = %(s)s AND source = 'WEBHOOK'"
            "   AND created_at >= %(t)s) AS bad,"
            " (SELECT MAX(received_at) FROM receipts WHERE store_id = %(s)s) AS last",
            {"s": store_id, "t": since},
        )
        r = rows[0]
        last = r["last"].timestamp() if r["last"] is not None else None
        return ReceiptStats(int(r["received"]), int(r["bad"]), last)

    async def live_objects(self, store_id: str, kind: Kind) -> dict[str, str]:
        """Objects on record whose last state is not DELETED: id -> version."""
        rows = await self._rows(
            "SELECT object_id, version FROM object_versions WHERE store_id = %s AND kind = %s"
            " AND state->>'status' IS DISTINCT FROM %s",
            (store_id, kind.value, DELETED),
        )
        return {str(r["object_id"]): str(r["version"]) for r in rows}

    async def version_of(self, store_id: str, kind: Kind, object_id: str) -> str | None:
        """The object's recorded version (None when never seen)."""
        rows = await self._rows(
            "SELECT version FROM object_versions WHERE store_id = %s AND kind = %s"
            " AND object_id = %s",
            (store_id, kind.value, object_id),
        )
        return str(rows[0]["version"]) if rows else None

    async def aclose(self) -> None:
        """Close the pool."""
        await self._db.close()
