"""Product events: PRODUCT_CREATED, PRODUCT_UPDATED, PRODUCT_DELETED, as a query and live."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import strawberry

from gateway.events.log import EventFilter
from platforms.errors import InvalidInputError
from platforms.events import PRODUCT_TYPES, EventType, StoredEvent
from platforms.ids import Kind, encode_id
from resolvers.products import Product
from resolvers.subscriptions import (
    EventMeta,
    EventTypeEnum,
    _service,
    _store_ids,
    _typed_errors,
    decode_cursor,
)

MAX_PAGE = 500


@strawberry.type(description="A change to a product: created, updated or deleted.")
class ProductEvent(EventMeta):
    product_id: strawberry.ID = strawberry.field(description="The product's global id.")
    external_id: str = strawberry.field(description="The product's id on its platform.")
    product: Product | None = strawberry.field(
        description="The product as of this change (with its variants); null when deleted."
    )


def product_event(event: StoredEvent) -> ProductEvent:
    """The GraphQL view of a stored product event."""
    found = event.product()
    return ProductEvent(
        **EventMeta.fields_of(event),  # type: ignore[arg-type]
        product_id=strawberry.ID(encode_id(event.store_id, Kind.PRODUCT, event.object_id)),
        external_id=event.object_id,
        product=None if found is None else Product.of(found),
    )


def _wanted(types: list[EventTypeEnum] | None) -> frozenset[EventType]:  # type: ignore[valid-type]
    if not types:
        return PRODUCT_TYPES
    chosen = frozenset(EventType(t) for t in types)
    if not chosen <= PRODUCT_TYPES:
        raise InvalidInputError(
            "productEvents takes PRODUCT_CREATED, PRODUCT_UPDATED, PRODUCT_DELETED"
        )
    return chosen


@strawberry.type
class ProductEventQueries:
    @strawberry.field(
        description="Product events from the log, oldest first: those after `after` (a cursor "
        "of any event; null: the log's start), at most `first`."
    )
    async def product_events(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        types: list[EventTypeEnum] | None = None,  # type: ignore[valid-type]
        after: str | None = None,
        first: int = 100,
    ) -> list[ProductEvent]:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInputError(f"`first` must be between 1 and {MAX_PAGE}, got {first}")
        service = _service(info)
        stores = frozenset(_store_ids(info, store_ids))
        start = 0 if after is None else decode_cursor(after)
        found = await service.log.read_after(start, EventFilter(stores, _wanted(types)), first)
        return [product_event(e) for e in found]


@strawberry.type
class ProductEventSubscription:
    @strawberry.subscription(
        description="Product events, in log order; with `after`, the log is replayed from just "
        "after it with no gap and no repeat, then live events follow."
    )
    async def product_events(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        types: list[EventTypeEnum] | None = None,  # type: ignore[valid-type]
        after: str | None = None,
    ) -> AsyncGenerator[ProductEvent, None]:
        async def open_stream() -> AsyncIterator[StoredEvent]:
            service = _service(info)
            stores = set(_store_ids(info, store_ids))
            wanted = _wanted(types)
            start = None if after is None else decode_cursor(after)

            def accepts(event: StoredEvent) -> bool:
                return event.store_id in stores and event.type in wanted

            return service.stream(accepts, start)

        async for event in _typed_errors(open_stream):
            yield _service(info).views.get(event, product_event)
