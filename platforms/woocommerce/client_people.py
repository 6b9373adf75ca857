"""WooCommerce reads of customers, refunds and order-derived fulfillments (the client's base)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from platforms.adapter import CustomerQuery, Page
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.errors import NotFoundError, PayloadError
from platforms.mapping.kit import Found
from platforms.woocommerce.mapping.people import (
    fulfillments_from_order,
    map_customer,
    map_refund,
    refunded_ids,
)
from platforms.woocommerce.rest import Payload, WooCommerceRest


class WooCommercePeopleReads(WooCommerceRest):
    """Customers (`customers?include=`), refunds (`orders/{id}/refunds`, only for orders whose
    `refunds` summary is non-empty) and fulfillments derived from the order payload."""

    # --- customers --------------------------------------------------------------------

    def _customer(self, payload: Payload) -> Customer:
        return map_customer(
            payload, store_id=self.connection.store_id, default_currency=self._currency
        )

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by id: `customers?include=..&role=all`, ceil(n/100) calls (role=all,
        since the endpoint otherwise hides accounts whose role is not `customer`)."""
        rows = await self._by_ids("customers", ids, "get_customers", role="all")
        mapped = self._site("get_customers").each(self._customer, rows)
        return Found.keyed(*mapped, lambda c: c.external_id, ids)

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """One page of customers: exactly 1 call. The endpoint has no modified-date sort or
        filter, so pages come newest *registration* first and `updated_after` is applied to
        each page here (a page may come back short, with a next cursor)."""
        params = self._paginator.params(cursor, limit)
        params.update({"orderby": "registered_date", "order": "desc", "role": "all"})
        if query.email is not None:
            params["email"] = query.email
        items, headers = await self._get_list("customers", params, "list_customers")
        customers, errors = self._site("list_customers").each(self._customer, items)
        if query.updated_after is not None:
            after = query.updated_after
            customers = [c for c in customers if c.updated_at is not None and c.updated_at > after]
        return Page(customers, self._paginator.next_cursor(params, headers), errors)

    # --- fulfillments -----------------------------------------------------------------

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment]:
        """Derived from the loaded order (status, Shipment Tracking meta): 0 calls."""
        return fulfillments_from_order(order.raw, store_id=self.connection.store_id)

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """Orders not loaded yet: `orders?include=` (ceil(n/100) calls), then derived."""
        rows = {str(o.get("id")): o for o in await self._by_ids("orders", order_ids, "orders")}
        store = self.connection.store_id
        site = self._site("get_fulfillments")
        found: Found[list[Fulfillment]] = Found()
        for i in order_ids:
            try:
                found[i] = (
                    site.one(lambda o: fulfillments_from_order(o, store_id=store), rows[i], i)
                    if i in rows
                    else []
                )
            except PayloadError as error:
                found.errors[i] = error
        return found

    # --- refunds ----------------------------------------------------------------------

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """[] at 0 calls when the order's `refunds` summary is empty; None (fetch) otherwise."""
        ids = refunded_ids(order.raw)
        return [] if ids == [] else None

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """One `orders/{id}/refunds` call per order, concurrently: WooCommerce has no batch
        refund read. (The loader only asks for orders whose summary lists refunds.)"""
        ids = list(dict.fromkeys(i for i in order_ids if i.isdigit()))
        fetched = await asyncio.gather(*(self._order_refunds(i) for i in ids))
        result = dict(zip(ids, fetched, strict=True))
        found: Found[list[Refund]] = Found()
        for i in order_ids:
            outcome = result.get(i, [])
            if isinstance(outcome, PayloadError):
                found.errors[i] = outcome
            else:
                found[i] = outcome
        return found

    async def _order_refunds(self, order_id: str) -> list[Refund] | PayloadError:
        try:
            rows, _ = await self._get_list(
                f"orders/{order_id}/refunds", {"per_page": "100"}, "get_refunds"
            )
        except NotFoundError:
            return []
        store = self.connection.store_id
        # refunds carry no currency; core WooCommerce is single-currency, so the store's it is.
        refunds, errors = self._site("get_refunds").each(
            lambda r: map_refund(r, store_id=store, order_id=order_id, currency=self._currency),
            rows,
        )
        if errors:  # one bad refund makes the order's list incomplete: the order is in error.
            errors[0].external_id = order_id
            return errors[0]
        return refunds
