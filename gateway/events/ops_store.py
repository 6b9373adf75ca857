"""What operators look at beside the event log: dead letters, receipt links, object history."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gateway.events.log import Receipt
from platforms.events import StoredEvent
from platforms.ids import Kind

if TYPE_CHECKING:
    from gateway.events.log import EventLog


class LetterSource(enum.StrEnum):
    """Where a dead letter came from."""

    WEBHOOK = "WEBHOOK"
    POLL = "POLL"


class LetterStatus(enum.StrEnum):
    """Whether a dead letter still waits for a person (or a mapping fix)."""

    QUARANTINED = "QUARANTINED"
    REPLAYED = "REPLAYED"


@dataclass(frozen=True)
class DeadLetter:
    """Incoming data that could not become events: the error, and the raw body when we have it.

    Webhook letters point at their receipt (which holds the body); a poll letter names the
    object the store answered with, refetched on replay (the clients keep no raw payloads).
    """

    id: int
    store_id: str
    source: LetterSource
    topic: str
    error_code: str
    error_message: str
    status: LetterStatus
    attempts: int
    created_at: float
    updated_at: float
    receipt_id: int | None = None
    kind: Kind | None = None
    object_id: str | None = None
    body: bytes | None = None


@dataclass(frozen=True)
class NewLetter:
    """A dead letter to record (the store assigns id, times and attempts)."""

    store_id: str
    source: LetterSource
    topic: str
    error_code: str
    error_message: str
    receipt_id: int | None = None
    kind: Kind | None = None
    object_id: str | None = None
    body: bytes | None = None


@dataclass(frozen=True)
class ReceiptNote:
    """A stored webhook as history shows it (no body, no headers)."""

    id: int
    store_id: str
    delivery_id: str
    topic: str
    received_at: float


@dataclass(frozen=True)
class ReceiptStats:
    """A store's webhook receipts over a window."""

    received: int
    quarantined: int
    last_received_at: float | None


class OpsStore(Protocol):
    """Both backends keep it (SQLite next to the event log, PostgreSQL in its database).

    `quarantine` is atomic with marking the receipt processed: a quarantined receipt is
    not retried at every start, it waits for `replay`. A letter is recorded once per
    receipt (or per polled object while it stays quarantined); repeats count `attempts`.
    """

    async def quarantine(self, letter: NewLetter) -> int: ...

    async def letters(
        self,
        store_ids: Sequence[str],
        source: LetterSource | None,
        status: LetterStatus | None,
        limit: int,
    ) -> list[DeadLetter]: ...

    async def letter(self, letter_id: int) -> DeadLetter | None: ...

    async def letters_of(self, store_id: str, kind: Kind, object_id: str) -> list[DeadLetter]: ...

    async def settle(self, letter_id: int, error: tuple[str, str] | None) -> DeadLetter | None:
        """After a replay: REPLAYED (error None), or still QUARANTINED with the new error."""
        ...

    async def receipt(self, receipt_id: int) -> Receipt | None: ...

    async def link(
        self, receipt_id: int, store_id: str, objects: Sequence[tuple[Kind, str]]
    ) -> None:
        """Remember which objects a receipt showed (object history)."""
        ...

    async def receipts_of(self, store_id: str, kind: Kind, object_id: str) -> list[ReceiptNote]: ...

    async def events_of(self, store_id: str, kind: Kind, object_id: str) -> list[StoredEvent]: ...

    async def receipt_stats(self, store_id: str, since: float) -> ReceiptStats: ...

    async def live_objects(self, store_id: str, kind: Kind) -> dict[str, str]:
        """Objects with a recorded version whose last state is not deleted: id -> version."""
        ...

    async def version_of(self, store_id: str, kind: Kind, object_id: str) -> str | None:
        """The object's recorded version (None when never seen)."""
        ...

    async def aclose(self) -> None: ...


def letter_of(row: Any) -> DeadLetter:
    """A dead letter from a row of either backend (sqlite3.Row or a dict)."""
    return DeadLetter(
        id=int(row["id"]),
        store_id=row["store_id"],
        source=LetterSource(row["source"]),
        topic=row["topic"],
        error_code=row["error_code"],
        error_message=row["error_message"],
        status=LetterStatus(row["status"]),
        attempts=int(row["attempts"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        receipt_id=row["receipt_id"],
        kind=Kind(row["kind"]) if row["kind"] else None,
        object_id=row["object_id"],
        body=None if row["body"] is None else bytes(row["body"]),
    )


def open_ops(event_log: EventLog) -> OpsStore | None:
    """The ops store beside an event log (None for a log kind it does not know)."""
    from gateway.events.ops_pg import PgOpsStore
    from gateway.events.ops_sqlite import SqliteOpsStore
    from gateway.events.pg_log import PgEventLog
    from gateway.events.sqlite_log import SqliteEventLog

    if isinstance(event_log, SqliteEventLog):
        return SqliteOpsStore(event_log.path)
    if isinstance(event_log, PgEventLog):
        return PgOpsStore(event_log.url)
    return None
