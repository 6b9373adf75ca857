"""Re-derive a store's events with the current mappings: from stored receipts and payloads.

A mapping fix (a new `PlatformSpec.mapping_version`) repairs history this way: every receipt
of the store since T is parsed again, and every order event since T whose object was
refetched or polled (no receipt carries it: Shopify `refunds/create`, Magento's polls) is
re-mapped from the platform payload it keeps (`Order.raw`, via `PlatformSpec.remap_order`).
Where the object differs from the last event subscribers got for that object version, a
correction is appended as a NEW event (same object version, ORDER_UPDATED /
INVENTORY_CHANGED, the new mapping version in its payload).
Delivered events are never rewritten: a subscriber resuming with `after` receives the
corrections after what it has. Idempotent: a correction's id is derived from the object
version and the mapping version, and a second run finds nothing left to correct.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from gateway.events.log import Receipt
from platforms.adapter import StoreConnection
from platforms.errors import CartgraphError
from platforms.events import (
    Candidate,
    EventSource,
    EventType,
    Observed,
    StoredEvent,
    candidate_of,
    event_id,
)
from platforms.ids import Kind
from platforms.registry import PlatformSpec, get_spec

PAGE = 500  # events read at a time


class RemapStore(Protocol):
    """What remapping needs of an event log backend (SQLite and PostgreSQL have one)."""

    async def receipts_since(self, store_id: str, since: datetime) -> list[Receipt]: ...

    async def events_since(
        self, store_id: str, since: datetime, after: int, limit: int
    ) -> list[StoredEvent]:
        """The store's events recorded since `since` with sequence > `after`, oldest first."""
        ...

    async def latest_event(
        self, store_id: str, kind: Kind, object_id: str, version: str
    ) -> StoredEvent | None: ...

    async def append_corrections(self, corrections: Sequence[Correction]) -> list[StoredEvent]: ...


@dataclass(frozen=True)
class Correction:
    """One object version whose event the current mapping would derive differently."""

    receipt_id: int | None  # None: re-mapped from the payload the event keeps
    previous: StoredEvent  # the last event subscribers got for this object version
    candidate: Candidate  # the version re-derived with the current mapping
    changed: tuple[str, ...]  # canonical fields that differ

    @property
    def mapping_version(self) -> str:
        return str(self.candidate.payload.get("mapping_version"))

    @property
    def event_id(self) -> str:
        """Stable per (object version, mapping version): what makes a rerun a no-op."""
        c = self.candidate
        return event_id(c.store_id, c.kind, c.object_id, f"{c.version}@{self.mapping_version}")

    @property
    def type(self) -> EventType:
        """An order correction is an update of it; a level's, a stock change."""
        if self.candidate.kind is Kind.ORDER:
            return EventType.ORDER_UPDATED
        return EventType.INVENTORY_CHANGED

    def describe(self) -> str:
        """One line for the dry run: which event, which fields, which versions."""
        c = self.candidate
        return (
            f"{c.kind.value} {c.object_id} @ {c.version}: event #{self.previous.sequence} "
            f"(mapping {self.previous.mapping_version}) -> mapping {self.mapping_version}; "
            f"changes {', '.join(self.changed)}; {self.origin}"
        )

    @property
    def origin(self) -> str:
        """What was re-derived: a receipt's body, or the payload the event keeps."""
        if self.receipt_id is None:
            return "from its stored payload"
        return f"from receipt {self.receipt_id}"


@dataclass
class RemapReport:
    """What a remap found: the corrections, and what it could not re-derive, with why."""

    receipts: int = 0
    payloads: int = 0  # stored order payloads re-mapped (refetched and polled orders)
    corrections: list[Correction] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    keys = (before.keys() | after.keys()) - {"mapping_version"}
    return tuple(sorted(k for k in keys if before.get(k) != after.get(k)))


def _objects(
    spec: PlatformSpec, connection: StoreConnection, receipt: Receipt, report: RemapReport
) -> list[Candidate]:
    """The receipt parsed again with the current mapping, as candidates."""
    assert spec.webhooks is not None
    try:
        delivery = spec.webhooks.parse(
            receipt.headers,
            receipt.body,
            store_id=connection.store_id,
            currency=connection.currency_code,
        )
    except CartgraphError as exc:
        report.skipped.append(f"receipt {receipt.id}: cannot be parsed ({exc})")
        return []
    # orders it only names were refetched: their events keep the payload (`_from_payloads`)
    observed: list[Observed] = [*delivery.orders, *delivery.inventory_levels]
    return [
        candidate_of(
            obj,
            EventSource.WEBHOOK,
            # a level without its own stamp was versioned by arrival: it cannot be matched
            now=datetime.min.replace(tzinfo=UTC),
            refunds=spec.refund_marker,
            mapping_version=spec.mapping_version,
        )
        for obj in observed
    ]


async def plan(store: RemapStore, connection: StoreConnection, since: datetime) -> RemapReport:
    """What a remap of the store's receipts and stored payloads since `since` would correct
    (writes nothing)."""
    spec = get_spec(connection.platform)
    report = RemapReport()
    seen: set[str] = set()  # object versions already judged (a version may have 2+ events)
    if spec.webhooks is not None:
        for receipt in await store.receipts_since(connection.store_id, since):
            report.receipts += 1
            for candidate in _objects(spec, connection, receipt, report):
                await _judge(store, report, seen, candidate, receipt.id)
    await _from_payloads(store, spec, connection, since, report, seen)
    return report


def _key(kind: Kind, object_id: str, version: str) -> str:
    return f"{kind.value}:{object_id}:{version}"


async def _judge(
    store: RemapStore,
    report: RemapReport,
    seen: set[str],
    candidate: Candidate,
    receipt_id: int | None,
) -> None:
    """A correction when the re-derived version differs from its last event."""
    key = _key(candidate.kind, candidate.object_id, candidate.version)
    if key in seen:
        return
    previous = await store.latest_event(
        candidate.store_id, candidate.kind, candidate.object_id, candidate.version
    )
    if previous is None:
        return  # that version made no event (an older or repeated one): nothing to fix
    seen.add(key)
    changed = _changed(previous.payload, candidate.payload)
    if changed:
        report.corrections.append(Correction(receipt_id, previous, candidate, changed))


async def _from_payloads(
    store: RemapStore,
    spec: PlatformSpec,
    connection: StoreConnection,
    since: datetime,
    report: RemapReport,
    seen: set[str],
) -> None:
    """Order events no receipt re-derived: their stored payload through `remap_order`."""
    left: Counter[str] = Counter()  # events of kinds there is no re-mapping for
    after = 0
    while page := await store.events_since(connection.store_id, since, after, PAGE):
        after = page[-1].sequence
        for event in page:
            key = _key(event.kind, event.object_id, event.version)
            if key in seen:
                continue
            if event.kind is not Kind.ORDER or spec.remap_order is None:
                left[event.kind.value] += 1
                continue
            candidate = _remapped(spec, connection, event, report)
            if candidate is None:
                seen.add(key)  # said once per version
                continue
            report.payloads += 1
            await _judge(store, report, seen, candidate, None)
    for kind, count in sorted(left.items()):
        report.skipped.append(f"{count} {kind} events: {_why_not(spec, kind)}")


def _why_not(spec: PlatformSpec, kind: str) -> str:
    if kind == Kind.ORDER.value:
        return f"{spec.display_name} has no remap_order to re-map their stored payloads"
    return (
        "not re-derived (stored payloads are re-mapped for orders; other kinds only from "
        "the receipts that carry them)"
    )


def _remapped(
    spec: PlatformSpec, connection: StoreConnection, event: StoredEvent, report: RemapReport
) -> Candidate | None:
    """The event's stored order payload mapped again, as a candidate of the same version."""
    assert spec.remap_order is not None
    raw = event.payload.get("raw")
    if not isinstance(raw, dict) or not raw:
        report.skipped.append(f"event #{event.sequence}: keeps no platform payload")
        return None
    try:
        order = spec.remap_order(raw, connection)
    except (CartgraphError, ValueError) as exc:
        why = exc if isinstance(exc, CartgraphError) else type(exc).__name__
        report.skipped.append(f"event #{event.sequence}: its payload does not map ({why})")
        return None
    candidate = candidate_of(
        order,
        event.source,
        now=event.occurred_at,
        refunds=spec.refund_marker,
        mapping_version=spec.mapping_version,
    )
    # a correction of the stored version, even where the fix changed the timestamp's reading
    return dataclasses.replace(candidate, version=event.version)


async def apply(store: RemapStore, report: RemapReport) -> list[StoredEvent]:
    """Append the report's corrections as new events; returns those not appended before."""
    return await store.append_corrections(report.corrections) if report.corrections else []
