"""BigCommerce reads of customers (V3), shipments (V2) and refunds (V3): the client's base."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from platforms.adapter import CustomerQuery, Page
from platforms.bigcommerce.mapping.people import (
    map_customer,
    map_refund,
    map_shipment,
    refunded_amount,
)
from platforms.bigcommerce.pagination import MAX_LIMIT, v3_next, v3_params
from platforms.bigcommerce.rest import BigCommerceRest, Payload
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.client_kit import numeric_ids
from platforms.errors import NotFoundError, PayloadError
from platforms.mapping.kit import Found

T = TypeVar("T")


def iso(value: datetime) -> str:
    """A V3 date filter's value: ISO 8601 in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BigCommercePeopleReads(BigCommerceRest):
    """Customers (`v3/customers?id:in=`), shipments (`v2/orders/{id}/shipments`, only for
    orders that shipped something) and refunds (`v3/orders/payment_actions/refunds?order_id:in=`,
    only for orders with a refunded amount)."""

    def _customer(self, payload: Payload) -> Customer:
        return map_customer(payload, store_id=self.connection.store_id)

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by id: ceil(n/250) calls, addresses included."""
        rows = await self.v3_by_ids("v3/customers", ids, "get_customers", include="addresses")
        mapped = self._site("get_customers").each(self._customer, rows)
        return Found.keyed(*mapped, lambda c: c.external_id, ids)

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """One page, newest modification first: exactly 1 call."""
        params = v3_params(cursor, limit)
        params.update({"sort": "date_modified:desc", "include": "addresses"})
        if query.email is not None:
            params["email:in"] = query.email
        if query.updated_after is not None:
            params["date_modified:min"] = iso(query.updated_after)
        rows, body = await self.v3_list("v3/customers", params, "list_customers")
        customers, errors = self._site("list_customers").each(self._customer, rows)
        if query.updated_after is not None:  # the filter is inclusive, ours is strictly after
            after = query.updated_after
            customers = [c for c in customers if c.updated_at is not None and c.updated_at > after]
        return Page(customers, v3_next(params, body), errors)

    # --- shipments --------------------------------------------------------------------

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment] | None:
        """[] at 0 calls when the order shipped nothing; None (fetch) otherwise."""
        shipped = order.raw.get("items_shipped")
        return [] if shipped == 0 else None

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """One `v2/orders/{id}/shipments` per order, concurrently (V2 has no batch read;
        an order without shipments answers 204)."""
        ids = numeric_ids(order_ids)
        fetched = await asyncio.gather(*(self._shipments(i) for i in ids))
        return self._per_order(order_ids, dict(zip(ids, fetched, strict=True)))

    async def _shipments(self, order_id: str) -> list[Fulfillment] | PayloadError:
        try:
            rows = await self.v2_list(
                f"v2/orders/{order_id}/shipments", {"limit": str(MAX_LIMIT)}, "get_fulfillments"
            )
        except NotFoundError:
            return []
        store = self.connection.store_id
        shipments, errors = self._site("get_fulfillments").each(
            lambda s: map_shipment(s, store_id=store), rows
        )
        return _whole(order_id, shipments, errors)

    # --- refunds ----------------------------------------------------------------------

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """[] at 0 calls when nothing was refunded; None (fetch) otherwise."""
        return [] if refunded_amount(order.raw) == 0 else None

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """`v3/orders/payment_actions/refunds?order_id:in=`: ceil(n/250) calls."""
        rows = await self.v3_by_ids(
            "v3/orders/payment_actions/refunds", order_ids, "get_refunds", key="order_id:in"
        )
        store = self.connection.store_id
        site = self._site("get_refunds")
        by_order: dict[str, list[Refund] | PayloadError] = {}
        for row in sorted(rows, key=lambda r: int(r.get("id") or 0)):
            order_id = str(row.get("order_id"))
            current = by_order.setdefault(order_id, [])
            if isinstance(current, PayloadError):
                continue
            # refunds carry no currency: their order's, as this client mapped it
            currency = self.order_currencies.get(order_id, self._currency)
            try:
                mapper = functools.partial(map_refund, store_id=store, currency=currency)
                current.append(site.one(mapper, row))
            except PayloadError as error:
                error.external_id = order_id
                by_order[order_id] = error
        return self._per_order(order_ids, by_order)

    @staticmethod
    def _per_order(
        ids: Sequence[str], found: Mapping[str, list[T] | PayloadError]
    ) -> Found[list[T]]:
        result: Found[list[T]] = Found()
        for i in ids:
            value = found.get(i, [])
            if isinstance(value, PayloadError):
                result.errors[i] = value
            else:
                result[i] = value
        return result


def _whole(
    order_id: str, items: list[Fulfillment], errors: list[PayloadError]
) -> list[Fulfillment] | PayloadError:
    """One bad shipment makes the order's list incomplete: the order is in error."""
    if errors:
        errors[0].external_id = order_id
        return errors[0]
    return items
