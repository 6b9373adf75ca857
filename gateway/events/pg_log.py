"""The shared event log: PostgreSQL, with sequences assigned in commit order for every tail."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

from gateway.events.log import Checkpoint, EventFilter, Receipt
from gateway.storage.migrate import ensure_schema
from gateway.storage.postgres import NS_POLL, Conn, Database, Listener, SessionLocks, redact
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
    version_text,
)
from platforms.ids import Kind

log = logging.getLogger("cartgraph.events")

CHANNEL = "cartgraph_events"
TAIL_SECONDS = 5.0  # the safety net under NOTIFY: a tail re-reads the log this often
_EVENT_COLUMNS = (
    "seq, event_id, type, store_id, platform, kind, object_id, version, source, recorded_at,"
    " payload"
)
_INSERT_EVENT = f"""
INSERT INTO events (seq, event_id, type, store_id, platform, kind, object_id, version, source,
    recorded_at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)
ON CONFLICT (event_id) DO NOTHING RETURNING {_EVENT_COLUMNS}
"""  # noqa: S608 - fixed column names
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _event(row: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        sequence=row["seq"],
        event_id=row["event_id"],
        type=EventType(row["type"]),
        store_id=row["store_id"],
        platform=Platform(row["platform"]),
        kind=Kind(row["kind"]),
        object_id=row["object_id"],
        version=row["version"],
        occurred_at=datetime.strptime(row["version"], _FORMAT).replace(tzinfo=UTC),
        recorded_at=datetime.strptime(row["recorded_at"], _FORMAT).replace(tzinfo=UTC),
        source=EventSource(row["source"]),
        payload=row["payload"],
    )


class PgEventLog:
    """The EventLog contract on PostgreSQL, shared by every replica.

    Every append and remember first locks the one row of `event_sequence`: appends run one
    at a time (the dedupe reads the versions the previous one wrote) and take their
    sequences from that row, so sequences are assigned in commit order and a tail never
    sees a sequence before every smaller one. The commit NOTIFYs the tails.
    """

    tail_seconds = TAIL_SECONDS

    def __init__(self, url: str, *, pool_size: int = 4) -> None:
        ensure_schema(url)
        self.url = url
        self._db = Database(url, name="cartgraph-events", max_size=pool_size)
        self._leases = SessionLocks(url)
        self._listener: Listener | None = None

    def __repr__(self) -> str:
        return f"PgEventLog({redact(self.url)!r})"

    def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever any replica appends events (LISTEN/NOTIFY)."""
        self._listener = Listener(self.url, CHANNEL, wake)
        self._listener.start()

    async def poll_lease(self, store_id: str, stream: str) -> bool:
        """Whether this process holds the one poller lease of (store, stream) across replicas."""
        try:
            return await self._leases.try_hold(NS_POLL, f"{store_id}/{stream}") is not None
        except psycopg.Error as exc:
            log.warning("poll lease of %s/%s unavailable: %s", store_id, stream, exc)
            return False

    async def store_receipt(
        self, store_id: str, delivery_id: str, topic: str, headers: Mapping[str, str], body: bytes
    ) -> int | None:
        """Store a verified webhook durably (committed); None when this delivery id was seen."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "INSERT INTO receipts (store_id, delivery_id, topic, headers, body)"
                " VALUES (%s, %s, %s, %s::jsonb, %s)"
                " ON CONFLICT ON CONSTRAINT receipts_delivery DO NOTHING RETURNING id",
                (store_id, delivery_id, topic, orjson.dumps(dict(headers)).decode(), body),
            )
            row = await cursor.fetchone()
        return None if row is None else int(row["id"])

    async def pending_receipts(self) -> list[Receipt]:
        """Receipts stored but not processed yet, oldest first (start-up recovery)."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT id, store_id, delivery_id, topic, headers, body FROM receipts"
                " WHERE NOT processed ORDER BY id"
            )
            rows = await cursor.fetchall()
        return [
            Receipt(
                r["id"], r["store_id"], r["delivery_id"], r["topic"], r["headers"], bytes(r["body"])
            )
            for r in rows
        ]

    async def mark_processed(self, receipt_id: int) -> None:
        """Mark a receipt done without events (nothing in it became an event)."""
        async with self._db.connection() as conn:
            await conn.execute("UPDATE receipts SET processed = TRUE WHERE id = %s", (receipt_id,))

    async def append(
        self,
        candidates: Sequence[Candidate],
        *,
        receipt_id: int | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> list[StoredEvent]:
        """Dedupe, type and append candidates atomically (see EventLog); returns new events."""
        async with self._db.connection() as conn, conn.transaction():
            last = await _lock_sequence(conn)
            events: list[StoredEvent] = []
            for candidate in candidates:
                events.extend(await _append_one(conn, candidate, last + len(events) + 1))
            if receipt_id is not None:
                await conn.execute(
                    "UPDATE receipts SET processed = TRUE WHERE id = %s", (receipt_id,)
                )
            if checkpoint is not None:
                await _upsert_checkpoint(conn, checkpoint)
            if events:
                newest = events[-1].sequence
                await conn.execute("UPDATE event_sequence SET last_seq = %s", (newest,))
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(newest)))
        return events

    async def remember(self, candidates: Sequence[Candidate], checkpoint: Checkpoint) -> None:
        """A poller's baseline: versions already in the store are history, not events."""
        async with self._db.connection() as conn, conn.transaction():
            await _lock_sequence(conn)  # one writer of object_versions at a time, as append
            for candidate in candidates:
                await _remember_version(conn, candidate)
            await _upsert_checkpoint(conn, checkpoint)

    async def known_objects(self, store_id: str, kind: Kind, object_ids: Sequence[str]) -> set[str]:
        """Which of `object_ids` have a version on record (an event or a baseline)."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT object_id FROM object_versions"
                " WHERE store_id = %s AND kind = %s AND object_id = ANY(%s)",
                (store_id, kind.value, list(dict.fromkeys(object_ids))),
            )
            return {str(r["object_id"]) for r in await cursor.fetchall()}

    async def read_after(
        self, after: int, event_filter: EventFilter, limit: int = 500
    ) -> list[StoredEvent]:
        """Events after sequence `after` that pass the filter, oldest first, at most `limit`."""
        query = f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq > %s"  # noqa: S608
        params: list[Any] = [after]
        if event_filter.store_ids is not None:
            query += " AND store_id = ANY(%s)"
            params.append(sorted(event_filter.store_ids))
        if event_filter.types is not None:
            query += " AND type = ANY(%s)"
            params.append(sorted(t.value for t in event_filter.types))
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"{query} ORDER BY seq LIMIT %s", [*params, limit])
            return [_event(r) for r in await cursor.fetchall()]

    async def last_sequence(self) -> int:
        """The newest sequence number (0 for an empty log)."""
        async with self._db.connection() as conn:
            cursor = await conn.execute("SELECT last_seq FROM event_sequence")
            row = await cursor.fetchone()
        return 0 if row is None else int(row["last_seq"])

    async def checkpoint(self, store_id: str, stream: str) -> str | None:
        """A poller's checkpoint, None before its first poll."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT value FROM checkpoints WHERE store_id = %s AND stream = %s",
                (store_id, stream),
            )
            row = await cursor.fetchone()
        return None if row is None else str(row["value"])

    async def set_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Set a checkpoint on its own (the baseline poll, which emits nothing)."""
        async with self._db.connection() as conn:
            await _upsert_checkpoint(conn, checkpoint)

    async def newest_event_at(self, store_id: str) -> datetime | None:
        """When the newest change recorded for the store happened (its version)."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT MAX(version) AS v FROM events WHERE store_id = %s", (store_id,)
            )
            row = await cursor.fetchone()
        if row is None or row["v"] is None:
            return None
        return datetime.strptime(row["v"], _FORMAT).replace(tzinfo=UTC)

    async def aclose(self) -> None:
        """Stop listening, give up poller leases, close the pool."""
        if self._listener is not None:
            await self._listener.close()
        await self._leases.close()
        await self._db.close()


async def _lock_sequence(conn: Conn) -> int:
    cursor = await conn.execute("SELECT last_seq FROM event_sequence FOR UPDATE")
    row = await cursor.fetchone()
    assert row is not None  # migration 0001 inserts the one row
    return int(row["last_seq"])


async def _append_one(conn: Conn, candidate: Candidate, seq: int) -> list[StoredEvent]:
    """The events one candidate adds, numbered from `seq` (none for a repeat)."""
    cursor = await conn.execute(
        "SELECT version, state FROM object_versions"
        " WHERE store_id = %s AND kind = %s AND object_id = %s",
        (candidate.store_id, candidate.kind.value, candidate.object_id),
    )
    row = await cursor.fetchone()
    previous: ObjectState | None = None
    if row is not None:
        if candidate.version <= row["version"]:
            return []  # a repeat, or older than what subscribers already have
        previous = ObjectState.from_json(row["state"])
    if unchanged(candidate, previous):
        await _remember_version(conn, candidate)  # seen: a repeat of it is not news either
        return []
    payload = orjson.dumps(candidate.payload).decode()
    recorded = version_text(datetime.now(UTC))
    events: list[StoredEvent] = []
    for index, type_ in enumerate(derive_types(candidate, previous)):
        cursor = await conn.execute(
            _INSERT_EVENT,
            (
                seq + len(events),
                transition_event_id(candidate, index, type_),
                type_.value,
                candidate.store_id,
                candidate.platform.value,
                candidate.kind.value,
                candidate.object_id,
                candidate.version,
                candidate.source.value,
                recorded,
                payload,
            ),
        )
        inserted = await cursor.fetchone()
        if inserted is not None:
            events.append(_event(inserted))
    if events:
        await _remember_version(conn, candidate)
    return events


async def _remember_version(conn: Conn, candidate: Candidate) -> None:
    await conn.execute(
        "INSERT INTO object_versions (store_id, kind, object_id, version, state)"
        " VALUES (%s, %s, %s, %s, %s::jsonb) ON CONFLICT (store_id, kind, object_id)"
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


async def _upsert_checkpoint(conn: Conn, checkpoint: Checkpoint) -> None:
    await conn.execute(
        "INSERT INTO checkpoints (store_id, stream, value) VALUES (%s, %s, %s)"
        " ON CONFLICT (store_id, stream) DO UPDATE SET value = excluded.value",
        (checkpoint.store_id, checkpoint.stream, checkpoint.value),
    )
