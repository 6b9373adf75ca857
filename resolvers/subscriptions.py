"""Live order and inventory events (GraphQL subscriptions) and the event feed's status."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError
from graphql.execution import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from platforms.adapter import VariantKey
from platforms.errors import CartgraphError, InvalidInputError
from platforms.events import ORDER_TYPES, EventSource, EventType, StoredEvent
from platforms.ids import Kind, decode_id
from resolvers.common import PlatformEnum
from resolvers.inventory import InventoryLevel
from resolvers.orders import Order

if TYPE_CHECKING:
    from gateway.events.service import EventService

EventTypeEnum = strawberry.enum(EventType, name="EventType", description="What happened.")
EventSourceEnum = strawberry.enum(
    EventSource, name="EventSource", description="How the change reached the gateway."
)
_CURSOR_PREFIX = "events:"


class EventsDisabledError(CartgraphError):
    """The gateway runs without an event service."""

    code = "EVENTS_DISABLED"


def encode_cursor(sequence: int) -> str:
    """The opaque cursor of a log position."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{sequence}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The log position of a cursor; BAD_USER_INPUT when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_CURSOR_PREFIX):
            value = int(text[len(_CURSOR_PREFIX) :])
            if 0 <= value < 2**63:  # the log's sequence is an SQLite INTEGER (64-bit)
                return value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInputError("`after` is not an event cursor")


def _service(info: strawberry.Info) -> EventService:
    request = getattr(info.context, "request", None)
    app = getattr(request, "app", None) if request is not None else None
    service = getattr(getattr(app, "state", None), "events", None)
    if service is None:
        raise EventsDisabledError("the event feed is not enabled on this gateway")
    return service  # type: ignore[no-any-return]


async def _typed_errors(
    open_stream: Callable[[], Awaitable[AsyncIterator[StoredEvent]]],
) -> AsyncGenerator[StoredEvent, None]:
    """Open and run a stream, re-raising our errors as GraphQL errors with extensions.

    Errors raised while a subscription sets up or streams bypass the schema's
    error-shaping extension, so the code (BAD_USER_INPUT, SUBSCRIBER_TOO_SLOW) would
    otherwise be lost on the wire.
    """
    try:
        async for event in await open_stream():
            yield event
    except CartgraphError as exc:
        raise GraphQLError(exc.message, extensions=exc.extensions()) from None


def _store_ids(info: strawberry.Info, store_ids: list[strawberry.ID] | None) -> list[str]:
    """The requested stores (all visible ones when None), checked against the caller's scope."""
    requested = None if store_ids is None else [str(s) for s in store_ids]
    return [h.connection.store_id for h in info.context.stores(requested)]


@strawberry.type(description="Fields every event carries.")
class EventMeta:
    id: strawberry.ID = strawberry.field(
        description="Stable event id: the same change seen by webhook and by poll has one id."
    )
    cursor: str = strawberry.field(
        description="Log position: pass it as `after` to resume right after this event."
    )
    sequence: int = strawberry.field(description="Position in the gateway's event log.")
    type: EventTypeEnum = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    store_id: str = strawberry.field(description="The store the change happened in.")
    platform: PlatformEnum = strawberry.field(description="The store's platform.")  # type: ignore[valid-type]
    source: EventSourceEnum = strawberry.field(description="Webhook or poll, whichever came first.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(
        description="When the change happened on the platform (its `updated_at`, UTC)."
    )
    recorded_at: datetime = strawberry.field(description="When the gateway recorded it (UTC).")
    mapping_version: str = strawberry.field(
        description="Version of the platform mapping that produced this event's object. A "
        "correction by `cartgraph events remap` is a new event (ORDER_UPDATED or "
        "INVENTORY_CHANGED, same occurredAt) with the newer version; delivered events are "
        "never rewritten."
    )

    @staticmethod
    def fields_of(event: StoredEvent) -> dict[str, object]:
        """The shared fields of a stored event."""
        return {
            "id": strawberry.ID(event.event_id),
            "cursor": encode_cursor(event.sequence),
            "sequence": event.sequence,
            "type": event.type,
            "store_id": event.store_id,
            "platform": event.platform,
            "source": event.source,
            "occurred_at": event.occurred_at,
            "recorded_at": event.recorded_at,
            "mapping_version": event.mapping_version,
        }


@strawberry.type(
    description="A change to an order: created, updated, cancelled, fulfilled, refunded."
)
class OrderEvent(EventMeta):
    order: Order = strawberry.field(description="The order as of this change.")


@strawberry.type(description="A change to the stock of one inventory item at one location.")
class InventoryEvent(EventMeta):
    inventory_level: InventoryLevel = strawberry.field(description="The level as of this change.")


def _order_event(event: StoredEvent) -> OrderEvent:
    return OrderEvent(**EventMeta.fields_of(event), order=Order.of(event.order()))  # type: ignore[arg-type]


def _private_order_event(event: StoredEvent) -> OrderEvent:
    # [privacy] customer_raw = false: a view of its own, so no subscriber gets the other kind.
    order = Order.of(event.order(), keep_personal_raw=False)
    return OrderEvent(**EventMeta.fields_of(event), order=order)  # type: ignore[arg-type]


def _inventory_event(event: StoredEvent) -> InventoryEvent:
    level = InventoryLevel.of(event.inventory_level())
    return InventoryEvent(**EventMeta.fields_of(event), inventory_level=level)  # type: ignore[arg-type]


# graphql-core 3.3 memos that a subscription's per-event executor shares with the
# subscription's own executor (a shallow copy). They are keyed by the identity of field
# lists that every event builds anew, so nothing is ever found again, and each event added
# ~40 objects per subscriber that lived until the subscription ended: memory grew with
# every event, and the collector's full passes over them were half the gateway's CPU at
# 1,000 subscribers. Within one event (its sub-executors copy it) they still memoize.
_PER_EVENT_MEMOS = (
    "_relevant_sub_fields",
    "_stream_usages",
    "_initial_execution_plans",
    "_deferred_execution_plans",
)


class PerEventExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with fresh field memos for each subscription event."""

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        """graphql-core's per-event copy, minus the memos it would share (see above)."""
        executor = super().build_per_event_executor(payload)
        for name in _PER_EVENT_MEMOS:
            memo = getattr(executor, name, None)
            if memo is not None:
                setattr(executor, name, type(memo)())
        return executor


@strawberry.type(description="How fresh one store's event feed is.")
class EventFeedStatus:
    store_id: str = strawberry.field(description="The store.")
    webhooks: bool = strawberry.field(description="Whether the platform sends webhooks.")
    poll_interval_seconds: float | None = strawberry.field(
        description="Seconds between polls; null when the store is not polled."
    )
    last_event_at: datetime | None = strawberry.field(
        description="When the newest recorded change happened (UTC)."
    )
    sync_lag_seconds: float | None = strawberry.field(
        description="Now minus the newest recorded change, in seconds."
    )
    last_poll_at: datetime | None = strawberry.field(description="When the last poll finished.")
    last_poll_error: str | None = strawberry.field(
        description="Why the last poll failed, if it did."
    )
    mirror_synced_at: datetime | None = strawberry.field(
        default=None,
        description="When the store's local order mirror last synced (UTC), for a store whose "
        "`orders` are listed from one (Amazon); null otherwise. `orders` answers carry the "
        "same age as `syncedAt`.",
    )


@strawberry.type
class EventQueries:
    @strawberry.field(description="Event feed status (sync lag, polling) per visible store.")
    async def event_feed_status(
        self, info: strawberry.Info, store_ids: list[strawberry.ID] | None = None
    ) -> list[EventFeedStatus]:
        service = _service(info)
        out = []
        for store_id in _store_ids(info, store_ids):
            s = await service.status(store_id)
            out.append(
                EventFeedStatus(
                    store_id=s.store_id,
                    webhooks=s.webhooks,
                    poll_interval_seconds=s.poll_interval_seconds,
                    last_event_at=s.last_event_at,
                    sync_lag_seconds=s.sync_lag_seconds,
                    last_poll_at=s.last_poll_at,
                    last_poll_error=s.last_poll_error,
                    mirror_synced_at=s.mirror_synced_at,
                )
            )
        return out


async def _inventory_items(info: strawberry.Info, variant_ids: list[strawberry.ID]) -> set[str]:
    """(store, inventory item id) keys of the given variants, as `store:item`."""
    by_store: dict[str, list[str]] = {}
    for vid in variant_ids:
        gid = decode_id(str(vid), Kind.VARIANT)
        by_store.setdefault(gid.store_id, []).append(gid.external_id)
    keys: set[str] = set()
    for store_id, ids in by_store.items():
        batch = await info.context.store(store_id).client.get_variants([VariantKey(i) for i in ids])
        keys.update(
            f"{store_id}:{v.inventory_item_id}"
            for v in batch.variants.values()
            if v.inventory_item_id
        )
    return keys


@strawberry.type(description="Live events, replayable from the gateway's event log.")
class Subscription:
    @strawberry.subscription(
        description="Order events, in log order. With `after` (a cursor you received), the "
        "log is replayed from just after it with no gap and no repeat, then live events follow."
    )
    async def order_events(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        types: list[EventTypeEnum] | None = None,  # type: ignore[valid-type]
        after: str | None = None,
    ) -> AsyncGenerator[OrderEvent, None]:
        async def open_stream() -> AsyncIterator[StoredEvent]:
            service = _service(info)
            stores = set(_store_ids(info, store_ids))
            wanted = frozenset(EventType(t) for t in types) & ORDER_TYPES if types else ORDER_TYPES
            start = None if after is None else decode_cursor(after)

            def accepts(event: StoredEvent) -> bool:
                return event.store_id in stores and event.type in wanted

            return service.stream(accepts, start)

        build = _order_event if info.context.limits.customer_raw else _private_order_event
        async for event in _typed_errors(open_stream):
            yield _service(info).views.get(event, build)

    @strawberry.subscription(
        description="Inventory level changes, optionally only for some variants (global ids)."
    )
    async def inventory_events(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        variant_ids: list[strawberry.ID] | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[InventoryEvent, None]:
        async def open_stream() -> AsyncIterator[StoredEvent]:
            service = _service(info)
            stores = set(_store_ids(info, store_ids))
            items = None if variant_ids is None else await _inventory_items(info, variant_ids)
            start = None if after is None else decode_cursor(after)

            def accepts(event: StoredEvent) -> bool:
                if event.type is not EventType.INVENTORY_CHANGED or event.store_id not in stores:
                    return False
                item = str(event.payload.get("inventory_item_id"))
                return items is None or f"{event.store_id}:{item}" in items

            return service.stream(accepts, start)

        async for event in _typed_errors(open_stream):
            yield _service(info).views.get(event, _inventory_event)
