"""Shopify reads of customers, fulfillments and refunds: the base ShopifyClient builds on."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from platforms.adapter import CustomerQuery, Page
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.client_kit import numeric_ids
from platforms.errors import PayloadError
from platforms.mapping.kit import Found, partition
from platforms.shopify.mapping.people import map_customer, map_fulfillment, map_refund
from platforms.shopify.rest import ShopifyRest

if TYPE_CHECKING:
    from platforms.http import CallContext

T = TypeVar("T")


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyPeopleReads(ShopifyRest):
    """Customers (`customers.json`, `customers/search.json`) and the fulfillments and refunds
    Shopify embeds in the REST order payload."""

    # --- customers --------------------------------------------------------------------

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by id: ceil(n / 250) calls (`customers.json?ids=`), run concurrently."""
        ctx = self._ctx("get_customers")
        wanted = numeric_ids(ids)
        rows = await self._by_ids("customers", wanted, ctx)
        return Found.keyed(*partition(self._customers(rows, ctx)), lambda c: c.external_id, wanted)

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
        fields = "id,currency,fulfillments,refunds"
        rows = await self._by_ids(
            "orders", numeric_ids(order_ids), ctx, status="any", fields=fields
        )
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
