"""Canonical change events: types, stable ids and the state-based event-type rule."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
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
    Product,
)
from platforms.ids import Kind

FIRST_MAPPING_VERSION = "1"
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
    PRODUCT_CREATED = "PRODUCT_CREATED"
    PRODUCT_UPDATED = "PRODUCT_UPDATED"
    PRODUCT_DELETED = "PRODUCT_DELETED"


class EventSource(enum.StrEnum):
    """How the change reached us."""

    WEBHOOK = "WEBHOOK"
    POLL = "POLL"


ORDER_TYPES = frozenset(t for t in EventType if t.value.startswith(("ORDER_", "REFUND_")))
PRODUCT_TYPES = frozenset(t for t in EventType if t.value.startswith("PRODUCT_"))
DELETED = "DELETED"  # the state of a product the store no longer has
_REFUNDED = {FinancialStatus.REFUNDED, FinancialStatus.PARTIALLY_REFUNDED}

Observed = Order | InventoryLevel | Product


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
    # the platform's refund marker (ids or refunded total); None = the payload shows none.
    refunds: str | None = None
    # an inventory level's quantity: a version that leaves it unchanged is not an event.
    available: int | None = None

    def as_json(self) -> dict[str, Any]:
        """For storage next to the object's last version."""
        return {
            "status": self.status,
            "financial": self.financial,
            "fulfillment": self.fulfillment,
            "refunds": self.refunds,
            "available": self.available,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ObjectState:
        """Back from storage (states stored before refund markers have none)."""
        return cls(
            data.get("status"),
            data.get("financial"),
            data.get("fulfillment"),
            data.get("refunds"),
            data.get("available"),
        )


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


def candidate_of(
    obj: Observed,
    source: EventSource,
    *,
    now: datetime,
    refunds: Callable[[Order], str | None] | None = None,
    mapping_version: str | None = None,
) -> Candidate:
    """A candidate for an observed order or inventory level (version = its updated_at).
    `refunds` is the platform's refund marker (`PlatformSpec.refund_marker`), if it has one;
    `mapping_version` (`PlatformSpec.mapping_version`) is recorded in the payload."""
    if mapping_version is not None and obj.mapping_version is None:
        obj = obj.model_copy(update={"mapping_version": mapping_version})
    if isinstance(obj, Order):
        state = ObjectState(
            obj.status.value,
            obj.financial_status.value,
            obj.fulfillment_status.value,
            refunds(obj) if refunds is not None else None,
        )
        new = obj.updated_at - obj.created_at <= NEW_ORDER_WINDOW
        updated = obj.updated_at
    elif isinstance(obj, Product):
        updated = obj.updated_at or obj.created_at or now
        created = obj.created_at or updated
        state, new = ObjectState(status=obj.status.value), updated - created <= NEW_ORDER_WINDOW
    else:
        state, new, updated = ObjectState(available=obj.available), False, obj.updated_at or now
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


def deleted_candidate(
    store_id: str,
    platform: Platform,
    product_id: str,
    source: EventSource,
    *,
    now: datetime,
    after: str | None = None,
) -> Candidate:
    """A product the store no longer has (its delete webhook, or missing from a full
    catalogue pass). Deletions carry no timestamp: the version is when we learned it, or
    just after `after` (the last recorded version) when a platform clock ran ahead of ours."""
    version = version_text(now)
    if after is not None and after >= version:
        moment = datetime.strptime(after, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        version = version_text(moment + timedelta(microseconds=1))
    payload = {"store_id": store_id, "platform": platform.value, "external_id": product_id}
    return Candidate(
        store_id=store_id,
        platform=platform,
        kind=Kind.PRODUCT,
        object_id=product_id,
        version=version,
        source=source,
        state=ObjectState(status=DELETED),
        new_object=False,
        payload={**payload, "deleted": True},
    )


def unchanged(candidate: Candidate, previous: ObjectState | None) -> bool:
    """A newer version that changes nothing subscribers watch: an inventory level at the
    quantity last emitted (e.g. a WooCommerce `product.updated` for a price edit), or a
    product deleted again."""
    if candidate.kind is Kind.PRODUCT:
        # a delete webhook of a product never seen is still news: the store says so
        return (
            candidate.state.status == DELETED
            and previous is not None
            and (previous.status == DELETED)
        )
    return (
        candidate.kind is not Kind.ORDER
        and previous is not None
        and previous.available is not None
        and candidate.state.available == previous.available
    )


def derive_types(candidate: Candidate, previous: ObjectState | None) -> list[EventType]:
    """Every transition from the last emitted state (nothing, for a first sighting) to this
    version's, in the canonical order CREATED, CANCELLED, FULFILLED, REFUND_CREATED; an
    order changed in no watched way is one ORDER_UPDATED.

    An order created and cancelled before the gateway first saw it is CREATED then
    CANCELLED: a subscriber filtering on ORDER_CANCELLED must still learn of it.
    """
    if candidate.kind is Kind.PRODUCT:
        return [_product_type(candidate, previous)]
    if candidate.kind is not Kind.ORDER:
        return [EventType.INVENTORY_CHANGED]
    now, before = candidate.state, previous or ObjectState()
    types = [EventType.ORDER_CREATED] if previous is None and candidate.new_object else []
    if now.status == OrderStatus.CANCELLED and before.status != OrderStatus.CANCELLED:
        types.append(EventType.ORDER_CANCELLED)
    if now.fulfillment == FulfillmentStatus.FULFILLED and before.fulfillment != now.fulfillment:
        types.append(EventType.ORDER_FULFILLED)
    if _new_refund(now, before, previous is None):
        types.append(EventType.REFUND_CREATED)
    return types or [EventType.ORDER_UPDATED]


def _product_type(candidate: Candidate, previous: ObjectState | None) -> EventType:
    if candidate.state.status == DELETED:
        return EventType.PRODUCT_DELETED
    if (previous is None or previous.status == DELETED) and candidate.new_object:
        return EventType.PRODUCT_CREATED
    return EventType.PRODUCT_UPDATED


def transition_event_id(candidate: Candidate, index: int, type_: EventType) -> str:
    """The id of the index-th event of one version: the first keeps the version's id (so
    ids of single-event versions never change); the rest add their type to it."""
    if index == 0:
        return candidate.event_id
    version = f"{candidate.version}#{type_.value}"
    return event_id(candidate.store_id, candidate.kind, candidate.object_id, version)


def _new_refund(now: ObjectState, before: ObjectState, first_seen: bool) -> bool:
    """Whether this version shows a refund the last emitted one did not.

    With refund markers on both sides, any change of marker is a new refund, so a second
    partial refund is REFUND_CREATED too. Without (the platform's payload shows no refunds,
    or the last state was stored before markers), the financial status moving to
    (partially_)refunded is the sign.
    """
    if now.refunds is not None and (first_seen or before.refunds is not None):
        return now.refunds != "" and now.refunds != before.refunds
    return now.financial in _REFUNDED and (first_seen or before.financial != now.financial)


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

    @property
    def mapping_version(self) -> str:
        """The mapping that produced the payload; events recorded before mappings carried a
        version were all mapped by version 1."""
        return str(self.payload.get("mapping_version") or FIRST_MAPPING_VERSION)

    def order(self) -> Order:
        """The canonical order this event carries (order events only)."""
        found = Order.model_validate(self.payload, strict=False)
        return found.model_copy(update={"mapping_version": self.mapping_version})

    def product(self) -> Product | None:
        """The canonical product this event carries (None for PRODUCT_DELETED)."""
        if self.payload.get("deleted"):
            return None
        found = Product.model_validate(self.payload, strict=False)
        return found.model_copy(update={"mapping_version": self.mapping_version})

    def inventory_level(self) -> InventoryLevel:
        """The canonical inventory level this event carries (inventory events only)."""
        found = InventoryLevel.model_validate(self.payload, strict=False)
        return found.model_copy(update={"mapping_version": self.mapping_version})
