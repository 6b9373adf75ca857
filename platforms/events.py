"""Canonical change events: types, stable ids and the state-based event-type rule."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from platforms.canonical import (
    FinancialStatus,
    FulfillmentStatus,
    InventoryLevel,
    Order,
    OrderStatus,
    Platform,
)
from platforms.ids import Kind

# A first-seen order whose updated_at is this close to created_at is a new order; an older
# order first seen later (e.g. edited after the gateway started) is an update of it.
NEW_ORDER_WINDOW = timedelta(seconds=60)


class EventType(enum.StrEnum):
    """What happened to an object."""

    ORDER_CREATED = "ORDER_CREATED"
    ORDER_UPDATED = "ORDER_UPDATED"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    ORDER_FULFILLED = "ORDER_FULFILLED"
    REFUND_CREATED = "REFUND_CREATED"
    INVENTORY_CHANGED = "INVENTORY_CHANGED"


class EventSource(enum.StrEnum):
    """How the change reached us."""

    WEBHOOK = "WEBHOOK"
    POLL = "POLL"


ORDER_TYPES = frozenset(t for t in EventType if t is not EventType.INVENTORY_CHANGED)
_REFUNDED = {FinancialStatus.REFUNDED, FinancialStatus.PARTIALLY_REFUNDED}

Observed = Order | InventoryLevel


def version_text(moment: datetime) -> str:
    """A version as sortable text: UTC, microseconds, 'Z' (string order == time order)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_id(store_id: str, kind: Kind, object_id: str, version: str) -> str:
    """The stable id of one change: a webhook and a poll of it produce the same id."""
    digest = hashlib.sha256(f"{store_id}\x1f{kind.value}\x1f{object_id}\x1f{version}".encode())
    return "evt_" + digest.hexdigest()[:32]


@dataclass(frozen=True)
class ObjectState:
    """What the type rule needs to remember about the last emitted version of an object."""

    status: str | None = None
    financial: str | None = None
    fulfillment: str | None = None

    def as_json(self) -> dict[str, Any]:
        """For storage next to the object's last version."""
        return {"status": self.status, "financial": self.financial, "fulfillment": self.fulfillment}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ObjectState:
        """Back from storage."""
        return cls(data.get("status"), data.get("financial"), data.get("fulfillment"))


@dataclass(frozen=True)
class Candidate:
    """One observed object version, before dedupe decides whether it becomes an event."""

    store_id: str
    platform: Platform
    kind: Kind
    object_id: str
    version: str
    source: EventSource
    state: ObjectState
    new_object: bool
    payload: dict[str, Any]

    @property
    def event_id(self) -> str:
        """The id the event will carry if emitted."""
        return event_id(self.store_id, self.kind, self.object_id, self.version)


def candidate_of(obj: Observed, source: EventSource, *, now: datetime) -> Candidate:
    """A candidate for an observed order or inventory level (version = its updated_at)."""
    if isinstance(obj, Order):
        state = ObjectState(
            obj.status.value, obj.financial_status.value, obj.fulfillment_status.value
        )
        new = obj.updated_at - obj.created_at <= NEW_ORDER_WINDOW
        updated = obj.updated_at
    else:
        state, new, updated = ObjectState(), False, obj.updated_at or now
    return Candidate(
        store_id=obj.store_id,
        platform=obj.platform,
        kind=obj.kind,
        object_id=obj.external_id,
        version=version_text(updated),
        source=source,
        state=state,
        new_object=new,
        payload=obj.model_dump(mode="json"),
    )


def derive_type(candidate: Candidate, previous: ObjectState | None) -> EventType:
    """The event type from the object's state against the last emitted state of it."""
    if candidate.kind is not Kind.ORDER:
        return EventType.INVENTORY_CHANGED
    now, before = candidate.state, previous or ObjectState()
    if previous is None and candidate.new_object:
        return EventType.ORDER_CREATED
    if now.status == OrderStatus.CANCELLED and before.status != OrderStatus.CANCELLED:
        return EventType.ORDER_CANCELLED
    if now.fulfillment == FulfillmentStatus.FULFILLED and before.fulfillment != now.fulfillment:
        return EventType.ORDER_FULFILLED
    if now.financial in _REFUNDED and (previous is None or before.financial != now.financial):
        return EventType.REFUND_CREATED
    return EventType.ORDER_UPDATED


@dataclass(frozen=True)
class StoredEvent:
    """An event as the log holds it: `sequence` is its position, the cursor clients resume at."""

    sequence: int
    event_id: str
    type: EventType
    store_id: str
    platform: Platform
    kind: Kind
    object_id: str
    version: str
    occurred_at: datetime
    recorded_at: datetime
    source: EventSource
    payload: dict[str, Any]

    def order(self) -> Order:
        """The canonical order this event carries (order events only)."""
        return Order.model_validate(self.payload, strict=False)

    def inventory_level(self) -> InventoryLevel:
        """The canonical inventory level this event carries (inventory events only)."""
        return InventoryLevel.model_validate(self.payload, strict=False)
