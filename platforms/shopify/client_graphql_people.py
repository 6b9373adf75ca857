"""Shopify GraphQL reads of customers, fulfillments and refunds (the GraphQL client's base)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from platforms.adapter import CustomerQuery, Page
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.client_kit import numeric_ids
from platforms.errors import InvalidInputError, PayloadError, UpstreamValidationError
from platforms.http import CallContext
from platforms.mapping.kit import Found
from platforms.shopify.documents import Enum, Field, conn, gid, listed, nodes, numeric_id, scalars
from platforms.shopify.documents import query as document
from platforms.shopify.graphql import ShopifyGraphql, pack
from platforms.shopify.mapping import common as m
from platforms.shopify.mapping import graphql_common as g
from platforms.shopify.mapping.graphql_people import (
    CUSTOMER,
    FULFILLMENT,
    REFUND,
    map_customer,
    map_fulfillment,
    map_refund,
    refund_fields,
)

T = TypeVar("T")
SEARCH_TIME = "%Y-%m-%dT%H:%M:%SZ"

Row = Mapping[str, Any]  # one object of an answer


def search_time(moment: datetime) -> str:
    """An instant as Shopify's search syntax takes it (UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(SEARCH_TIME)


class ShopifyGraphqlPeople(ShopifyGraphql):
    """Customers (`customers`, `nodes`) and the fulfillments and refunds of orders
    (`nodes` of the orders, when the order page did not read them)."""

    # --- customers --------------------------------------------------------------------

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by id: `nodes(ids:)`, as many ids a document as 1,000 points allow."""
        ctx = self._ctx("get_customers")
        wanted = numeric_ids(ids)
        each = nodes("Customer", ["x"], *CUSTOMER).cost
        docs = [
            document(nodes("Customer", [gid("Customer", i) for i in part], *CUSTOMER))
            for part in pack(wanted, each)
        ]
        rows = [r for data in await self._queries(docs, ctx) for r in m.dicts(data.get("nodes"))]
        found, errors = self._map_each(ctx, map_customer, rows, shop_currency=self._currency)
        return Found.keyed(found, errors, lambda c: c.external_id, wanted)

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """One page of customers, newest `updated_at` first: 1 document (of as many customers
        as 1,000 points hold, at most `limit`)."""
        ctx = self._ctx("list_customers")
        terms = []
        if query.email is not None:
            terms.append(f"email:{_quoted(query.email)}")
        if query.updated_after is not None:
            terms.append(f"updated_at:>'{search_time(query.updated_after)}'")  # as REST's
        search = " ".join(terms) or None

        def build(first: int) -> Field:
            return conn(
                "customers", first, *CUSTOMER, query=search, after=cursor,
                sortKey=Enum("UPDATED_AT"), reverse=True,
            )  # fmt: skip

        data = await self._page(build, limit, ctx, cursor)
        page = data.get("customers") or {}
        found, errors = self._map_each(
            ctx, map_customer, page_nodes(page), shop_currency=self._currency
        )
        return Page(found, next_cursor(page), errors)

    async def _page(
        self, build: Callable[[int], Field], limit: int, ctx: CallContext, cursor: str | None
    ) -> dict[str, Any]:
        """One connection page of as many nodes as fit 1,000 points (at most `limit`); a
        cursor Shopify did not issue is the caller's error."""
        first = page_size(build, limit)
        try:
            return await self._query(document(build(first)), ctx)
        except UpstreamValidationError:
            if cursor is None:
                raise
            raise InvalidInputError("Invalid pagination cursor", **ctx.where()) from None

    # --- fulfillments and refunds -------------------------------------------------------

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment] | None:
        """From the order payload when its page read them (`fulfillments` selected): 0 calls."""
        rows = order.raw.get("fulfillments")
        if not isinstance(rows, list):
            return None
        return self._fulfillments(order.raw, self._ctx("map_fulfillments", order.external_id))

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """From the order payload when its page read them (`refunds` selected): 0 calls."""
        rows = order.raw.get("refunds")
        if not isinstance(rows, list):
            return None
        return self._refunds(order.raw, self._ctx("map_refunds", order.external_id))

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """`nodes(ids:)` of the orders with their fulfillments, packed by cost."""
        ctx = self._ctx("get_fulfillments")
        rows = await self._order_parts(order_ids, listed("fulfillments", *FULFILLMENT), ctx)
        return _per_order(order_ids, rows, lambda row: self._fulfillments(row, ctx))

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """`nodes(ids:)` of the orders with their refunds, packed by cost."""
        ctx = self._ctx("get_refunds")
        rows = await self._order_parts(order_ids, listed("refunds", *REFUND), ctx)
        # the customer paid in another currency: its refunds again, in presentment money
        again = [i for i, row in rows.items() if g.foreign_currency(row)]
        if again:
            presented = (g.bag("totalPrice"), listed("refunds", *refund_fields(True)))
            rows |= await self._order_parts(again, presented, ctx)
        return _per_order(order_ids, rows, lambda row: self._refunds(row, ctx))

    async def _order_parts(
        self, order_ids: Sequence[str], part: Field | tuple[Field, ...], ctx: CallContext
    ) -> dict[str, Row]:
        parts = part if isinstance(part, tuple) else (part,)
        fields = (*scalars("currencyCode presentmentCurrencyCode taxesIncluded"), *parts)
        wanted = numeric_ids(order_ids)
        each = nodes("Order", ["x"], *fields).cost
        docs = [
            document(nodes("Order", [gid("Order", i) for i in chunk], *fields))
            for chunk in pack(wanted, each)
        ]
        rows = [r for data in await self._queries(docs, ctx) for r in m.dicts(data.get("nodes"))]
        return {str(_number(row)): row for row in rows if _number(row)}

    def _fulfillments(self, order: Mapping[str, Any], ctx: CallContext) -> list[Fulfillment]:
        order_id = _number(order) or ""
        rows = m.dicts(order.get("fulfillments"))
        order_ctx = ctx if ctx.external_id else dataclasses.replace(ctx, external_id=order_id)
        return [
            self._map(order_ctx, map_fulfillment, row, order_external_id=order_id) for row in rows
        ]

    def _refunds(self, order: Mapping[str, Any], ctx: CallContext) -> list[Refund]:
        order_id = _number(order) or ""
        currency = g.order_currency(order, self._currency)
        included = order.get("taxesIncluded") is True
        order_ctx = ctx if ctx.external_id else dataclasses.replace(ctx, external_id=order_id)
        kw = {"order_external_id": order_id, "currency": currency, "taxes_included": included}
        return [
            self._map(order_ctx, map_refund, row, **kw) for row in m.dicts(order.get("refunds"))
        ]


def page_size(build: Callable[[int], Field], limit: int) -> int:
    """How many nodes of a connection one document holds: at most `limit`, within 1,000
    points (the connection's 2, then each node's cost)."""
    each = max(1, build(1).cost - build(0).cost)
    return max(1, min(limit, (1000 - build(0).cost) // each))


def page_nodes(page: Any) -> list[Row]:
    found = page.get("nodes") if isinstance(page, Mapping) else None
    return [n for n in found if isinstance(n, dict)] if isinstance(found, list) else []


def next_cursor(page: Any) -> str | None:
    info = page.get("pageInfo") if isinstance(page, Mapping) else None
    if not isinstance(info, Mapping) or not info.get("hasNextPage"):
        return None
    cursor = info.get("endCursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _number(row: Mapping[str, Any]) -> str | None:
    return numeric_id(row.get("id"))


def _quoted(text: str) -> str:
    """A search value as one term, whatever it contains."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _per_order(
    order_ids: Sequence[str],
    rows: Mapping[str, Row],
    mapper: Callable[[Row], list[T]],
) -> Found[list[T]]:
    """Each order's mapped list ([] when not found); an order whose list fails is in `errors`."""
    found: Found[list[T]] = Found()
    for order_id in order_ids:
        try:
            found[order_id] = mapper(rows[order_id]) if order_id in rows else []
        except PayloadError as error:
            found.errors[order_id] = error
    return found
