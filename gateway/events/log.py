"""The durable event log: receipts, the append-only event stream, versions and checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from platforms.events import Candidate, EventType, StoredEvent
from platforms.ids import Kind


@dataclass(frozen=True)
class Receipt:
    """A webhook exactly as received (raw bytes, lower-cased headers), not yet processed."""

    id: int
    store_id: str
    delivery_id: str
    topic: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Checkpoint:
    """Where a poller stands: set in the same transaction as the events it produced."""

    store_id: str
    stream: str
    value: str


@dataclass(frozen=True)
class EventFilter:
    """Which events a reader wants; None means any."""

    store_ids: frozenset[str] | None = None
    types: frozenset[EventType] | None = None

    def matches(self, event: StoredEvent) -> bool:
        """Whether the event passes this filter."""
        return (self.store_ids is None or event.store_id in self.store_ids) and (
            self.types is None or event.type in self.types
        )


class EventLog(Protocol):
    """The contract every log backend keeps (SQLite here; Redis Streams can implement it).

    - `store_receipt` is durable when it returns (fsync'd / AOF'd): only then is a webhook
      acknowledged. A repeated (store, delivery id) is not stored again and returns None.
    - `append` is one atomic step: for each candidate, drop it when its version is not newer
      than the last emitted version of that object (or its event id exists), otherwise derive
      its type from the last emitted state, append it with the next sequence number and
      remember the new version; in the same step mark `receipt_id` processed and/or set
      `checkpoint`. Sequences only grow, are unique, and are the cursor clients resume at
      (a Redis stream id maps to it; the dedupe check must run in the same Lua script/MULTI).
    - `read_after` returns events with sequence > `after`, in sequence order; a sequence
      becomes visible only after every smaller one (commit order == sequence order), which
      is what lets every process tail the log for live fan-out.
    - `remember` records versions without events (a poller's baseline).
    - `known_objects` says which of some object ids have a recorded version.
    - `watch` registers a wake-up for appends made by other processes (PostgreSQL NOTIFY);
      tails also re-read the log every `tail_seconds` in case a wake-up was missed.
    - `poll_lease` says whether this process is the one that polls (store, stream) now.
    """

    tail_seconds: float

    def watch(self, wake: Callable[[], None]) -> None: ...

    async def poll_lease(self, store_id: str, stream: str) -> bool: ...

    async def store_receipt(
        self, store_id: str, delivery_id: str, topic: str, headers: Mapping[str, str], body: bytes
    ) -> int | None: ...

    async def pending_receipts(self) -> list[Receipt]: ...

    async def mark_processed(self, receipt_id: int) -> None: ...

    async def append(
        self,
        candidates: Sequence[Candidate],
        *,
        receipt_id: int | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> list[StoredEvent]: ...

    async def remember(self, candidates: Sequence[Candidate], checkpoint: Checkpoint) -> None:
        """Record versions as already known (no events) and set the checkpoint, atomically."""
        ...

    async def known_objects(
        self, store_id: str, kind: Kind, object_ids: Sequence[str]
    ) -> set[str]: ...

    async def read_after(
        self, after: int, event_filter: EventFilter, limit: int = 500
    ) -> list[StoredEvent]: ...

    async def last_sequence(self) -> int: ...

    async def checkpoint(self, store_id: str, stream: str) -> str | None: ...

    async def set_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    async def newest_event_at(self, store_id: str) -> datetime | None: ...

    async def aclose(self) -> None: ...
