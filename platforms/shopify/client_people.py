"""Shopify reads of customers, fulfillments and refunds, mixed into ShopifyClient."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from platforms.adapter import CustomerQuery, Page
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.errors import PayloadError
from platforms.mapping_kit import Found, partition
from platforms.shopify.mapping_people import map_customer, map_fulfillment, map_refund

if TYPE_CHECKING:
    from platforms.adapter import StoreConnection
    from platforms.http import CallContext, Response
    from platforms.shopify.pagination import LinkPaginator

T = TypeVar("T")
K = TypeVar("K")
IDS_PER_REQUEST = 250  # `ids=` returns one page of at most 250 objects


def _chunks(ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _numeric(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i.isascii() and i.isdigit()))


class ShopifyPeopleReads:
    """Customers (`customers.json`, `customers/search.json`) and the fulfillments and refunds
    Shopify embeds in the REST order payload."""

    if TYPE_CHECKING:
        connection: StoreConnection
        paginator: LinkPaginator
        _currency: str

        def _ctx(self, operation: str, external_id: str | None = None) -> CallContext: ...
        async def _get(
            self, path: str, params: Mapping[str, str], ctx: CallContext
        ) -> Response: ...
        def _objects(
            self, response: Response, key: str, ctx: CallContext
        ) -> list[dict[str, Any]]: ...
        def _map(
            self, ctx: CallContext, mapper: Callable[..., T], payload: Any, **kw: Any
        ) -> T: ...
        def _map_each(
            self,
            ctx: CallContext,
            mapper: Callable[..., T],
            payloads: list[dict[str, Any]],
            id_field: str = "id",
            **kw: Any,
        ) -> list[T | PayloadError]: ...
        async def _page(
            self,
            path: str,
            filters: Mapping[str, str],
            cursor: str | None,
            limit: int,
            ctx: CallContext,
        ) -> Response: ...
        @staticmethod
        async def _gather(
            fetch: Callable[[K], Awaitable[list[T]]], parts: Sequence[K]
        ) -> list[T]: ...

    # --- customers --------------------------------------------------------------------

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by id: ceil(n / 250) calls (`customers.json?ids=`), run concurrently."""
        ctx = self._ctx("get_customers")

        async def chunk(part: list[str]) -> list[Customer | PayloadError]:
            params = {"ids": ",".join(part), "limit": str(IDS_PER_REQUEST)}
            response = await self._get("customers.json", params, ctx)
            return self._customers(self._objects(response, "customers", ctx), ctx)

        wanted = _numeric(ids)
        found = await self._gather(chunk, _chunks(wanted, IDS_PER_REQUEST))
        return Found.keyed(*partition(found), lambda c: c.external_id, wanted)

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """One page of customers, newest `updated_at` first: exactly 1 upstream call.

        Uses `customers/search.json` (`customers.json` has no sort order or email filter):
        `query=email:… updated_at:>'…'`, `order=updated_at desc`; an empty query is everyone.
        """
        ctx = self._ctx("list_customers")
        terms = []
        if query.email is not None:
            terms.append(f"email:{query.email}")
        if query.updated_after is not None:
            terms.append(f"updated_at:>'{_iso(query.updated_after)}'")
        filters = {"order": "updated_at desc", "query": " ".join(terms)}
        path = "customers/search.json"
        response = await self._page(path, filters, cursor, limit, ctx)
        rows = self._objects(response, "customers", ctx)
        customers, errors = partition(self._customers(rows, ctx))
        return Page(customers, self.paginator.next_cursor(response.headers), errors)

    def _customers(
        self, payloads: list[dict[str, Any]], ctx: CallContext
    ) -> list[Customer | PayloadError]:
        return self._map_each(ctx, map_customer, payloads, shop_currency=self._currency)

    # --- fulfillments and refunds -------------------------------------------------------

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment] | None:
        """From the loaded order payload (REST orders embed `fulfillments`): 0 calls."""
        if "fulfillments" not in order.raw:
            return None
        return self._fulfillments(order.raw, self._ctx("map_fulfillments", order.external_id))

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """From the loaded order payload (REST orders embed `refunds`): 0 calls."""
        if "refunds" not in order.raw:
            return None
        return self._refunds(order.raw, self._ctx("map_refunds", order.external_id))

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """When the orders are not loaded: ceil(n / 250) calls of
        `orders.json?ids=…&fields=id,currency,fulfillments,refunds`."""
        ctx = self._ctx("get_fulfillments")
        rows = await self._embedded(order_ids, ctx)
        return _per_order(order_ids, rows, lambda row: self._fulfillments(row, ctx))

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """When the orders are not loaded: ceil(n / 250) calls of
        `orders.json?ids=…&fields=id,currency,fulfillments,refunds`."""
        ctx = self._ctx("get_refunds")
        rows = await self._embedded(order_ids, ctx)
        return _per_order(order_ids, rows, lambda row: self._refunds(row, ctx))

    async def _embedded(
        self, order_ids: Sequence[str], ctx: CallContext
    ) -> dict[str, dict[str, Any]]:
        async def chunk(part: list[str]) -> list[dict[str, Any]]:
            params = {
                "ids": ",".join(part),
                "status": "any",
                "limit": str(IDS_PER_REQUEST),
                "fields": "id,currency,fulfillments,refunds",
            }
            return self._objects(await self._get("orders.json", params, ctx), "orders", ctx)

        rows = await self._gather(chunk, _chunks(_numeric(order_ids), IDS_PER_REQUEST))
        return {str(row.get("id")): row for row in rows}

    def _fulfillments(self, order: Mapping[str, Any], ctx: CallContext) -> list[Fulfillment]:
        items = order.get("fulfillments")
        rows = [f for f in items if isinstance(f, dict)] if isinstance(items, list) else []
        order_ctx = ctx if ctx.external_id else _with_id(ctx, order.get("id"))
        return [
            self._map(order_ctx, map_fulfillment, {"order_id": order.get("id"), **f}) for f in rows
        ]

    def _refunds(self, order: Mapping[str, Any], ctx: CallContext) -> list[Refund]:
        items = order.get("refunds")
        rows = [r for r in items if isinstance(r, dict)] if isinstance(items, list) else []
        currency = order.get("currency")
        if not isinstance(currency, str) or len(currency) != 3:
            currency = self._currency
        order_ctx = ctx if ctx.external_id else _with_id(ctx, order.get("id"))
        return [
            self._map(order_ctx, map_refund, {"order_id": order.get("id"), **r}, currency=currency)
            for r in rows
        ]


def _with_id(ctx: CallContext, order_id: Any) -> CallContext:
    """The context naming this order: its fulfillments and refunds fail as the order's."""
    return dataclasses.replace(ctx, external_id=None if order_id is None else str(order_id))


def _per_order(
    order_ids: Sequence[str],
    rows: Mapping[str, dict[str, Any]],
    mapper: Callable[[dict[str, Any]], list[T]],
) -> Found[list[T]]:
    """Each order's mapped list ([] when not found); an order whose list fails is in `errors`."""
    found: Found[list[T]] = Found()
    for order_id in order_ids:
        try:
            found[order_id] = mapper(rows[order_id]) if order_id in rows else []
        except PayloadError as error:
            found.errors[order_id] = error
    return found
