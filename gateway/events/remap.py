"""Re-derive a store's webhook events from their stored receipts with the current mappings.

A mapping fix (a new `PlatformSpec.mapping_version`) repairs history this way: every receipt
of the store since T is parsed again; where the object it yields differs from the last event
subscribers got for that object version, a correction is appended as a NEW event (same
object version, ORDER_UPDATED / INVENTORY_CHANGED, the new mapping version in its payload).
Delivered events are never rewritten: a subscriber resuming with `after` receives the
corrections after what it has. Idempotent: a correction's id is derived from the object
version and the mapping version, and a second run finds nothing left to correct.
"""

from __future__ import annotations

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


class RemapStore(Protocol):
    """What remapping needs of an event log backend (SQLite and PostgreSQL have one)."""

    async def receipts_since(self, store_id: str, since: datetime) -> list[Receipt]: ...

    async def latest_event(
        self, store_id: str, kind: Kind, object_id: str, version: str
    ) -> StoredEvent | None: ...

    async def append_corrections(self, corrections: Sequence[Correction]) -> list[StoredEvent]: ...


@dataclass(frozen=True)
class Correction:
    """One object version whose event the current mapping would derive differently."""

    receipt_id: int
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
            f"changes {', '.join(self.changed)}"
        )


@dataclass
class RemapReport:
    """What a remap found: the corrections, and what it could not re-derive, with why."""

    receipts: int = 0
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
    if delivery.refetch_order_ids:
        report.skipped.append(
            f"receipt {receipt.id}: names orders {sorted(delivery.refetch_order_ids)} without "
            "their payload (re-derived by the next poll, not from the receipt)"
        )
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
    """What a remap of the store's receipts since `since` would correct (writes nothing)."""
    spec = get_spec(connection.platform)
    report = RemapReport()
    if spec.webhooks is None:
        report.skipped.append(
            f"{spec.display_name} sends no webhooks: its events come from polls, which keep "
            "no receipts to re-derive"
        )
        return report
    seen: set[str] = set()
    for receipt in await store.receipts_since(connection.store_id, since):
        report.receipts += 1
        for candidate in _objects(spec, connection, receipt, report):
            key = f"{candidate.kind.value}:{candidate.object_id}:{candidate.version}"
            previous = await store.latest_event(
                candidate.store_id, candidate.kind, candidate.object_id, candidate.version
            )
            if key in seen or previous is None:
                continue  # that version made no event (an older or repeated one): nothing to fix
            seen.add(key)
            changed = _changed(previous.payload, candidate.payload)
            if changed:
                report.corrections.append(Correction(receipt.id, previous, candidate, changed))
    return report


async def apply(store: RemapStore, report: RemapReport) -> list[StoredEvent]:
    """Append the report's corrections as new events; returns those not appended before."""
    return await store.append_corrections(report.corrections) if report.corrections else []
