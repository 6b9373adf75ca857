"""Amazon reads of customers, fulfillments and refunds (the client's base): shipments come
with the order, refunds from the Finances API; Amazon gives sellers no customer accounts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence

from platforms.adapter import CustomerQuery, Page
from platforms.amazon.mapping.orders import map_order
from platforms.amazon.mapping.people import fulfillments_from_order, map_refund, refund_events
from platforms.amazon.rest import AmazonRest, Payload
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.errors import NotFoundError, PayloadError
from platforms.mapping.kit import Found
from platforms.ratelimit import current_scope

ORDERS_PATH = "/orders/2026-01-01/orders"
FINANCES_PATH = "/finances/v0"
ORDER_ID = re.compile(r"^[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}$")
# everything the canonical Order maps, less personal data (which needs an RDT)
DATASETS = ("PROCEEDS", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES")
PERSONAL = ("BUYER", "RECIPIENT")
ELEMENTS = ("buyerInfo", "shippingAddress")


def personal_wanted() -> bool:
    """The calling request selects personal data and may see it (see `CallScope`)."""
    scope = current_scope.get()
    return scope is not None and scope.personal_data


class AmazonPeopleReads(AmazonRest):
    """Orders by id (`getOrder`), their shipments, and what Amazon does not have."""

    def _order(self, payload: Payload) -> Order:
        return map_order(
            payload, store_id=self.connection.store_id, default_currency=self._currency
        )

    async def _included(self, path: str) -> tuple[dict[str, str], str | None]:
        """includedData for an orders read, and the RDT when personal data is wanted."""
        if not personal_wanted():
            return {"includedData": ",".join(DATASETS)}, None
        rdt = await self.restricted_token(path, ELEMENTS)
        return {"includedData": ",".join(DATASETS + PERSONAL)}, rdt

    async def _get_order(
        self, order_id: str, params: dict[str, str], rdt: str | None
    ) -> Payload | None:
        try:
            body = await self._json(
                "GET",
                f"{ORDERS_PATH}/{order_id}",
                "getOrder",
                params=params,
                external_id=order_id,
                rdt=rdt,
            )
        except NotFoundError:
            return None
        order = body.get("order")
        if not isinstance(order, dict):
            raise PayloadError("Amazon getOrder answered without an order")
        return order

    async def raw_order(self, order_id: str) -> Payload | None:
        """One order's payload without personal data (writes read it): `getOrder`."""
        if not ORDER_ID.match(order_id):
            return None
        return await self._get_order(order_id, {"includedData": ",".join(DATASETS)}, None)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by id: one `getOrder` each (0.5/s, burst 30), concurrently; ids that are not
        Amazon order ids are absent without a call."""
        wanted = list(dict.fromkeys(i for i in ids if ORDER_ID.match(i)))
        if not wanted:
            return Found()
        params, rdt = await self._included(ORDERS_PATH + "/{orderId}")
        found = await asyncio.gather(*(self._get_order(i, params, rdt) for i in wanted))
        mapped = self._site("get_orders").each(
            self._order, [p for p in found if p is not None], lambda p: p.get("orderId")
        )
        return Found.keyed(*mapped, lambda o: o.external_id, wanted)

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Amazon has no customer accounts for sellers: none, and no call."""
        return {}

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """Amazon has no customer accounts for sellers: an empty page, and no call."""
        return Page([], None)

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment]:
        """Shipments come with the order (`PACKAGES`, FBA lines' quantityFulfilled)."""
        return fulfillments_from_order(order)

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """From each order: one `getOrder` per id (what the listing already embedded)."""
        orders = await self.get_orders(order_ids)
        return {i: fulfillments_from_order(orders[i]) if i in orders else [] for i in order_ids}

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """The Orders API shows no refunds: they are fetched from the Finances API."""
        return None

    async def _refunds(self, order_id: str) -> list[Refund]:
        answer = await self._json(
            "GET",
            f"{FINANCES_PATH}/orders/{order_id}/financialEvents",
            "listFinancialEventsByOrderId",
            external_id=order_id,
        )
        store = self.connection.store_id
        return [
            map_refund(event, n, store_id=store, order_id=order_id)
            for n, event in enumerate(refund_events(answer), 1)
        ]

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """Each order's RefundEvents: one `listFinancialEventsByOrderId` per Amazon order id
        (0.5/s, burst 30), concurrently; other ids have none, without a call."""
        wanted = list(dict.fromkeys(i for i in order_ids if ORDER_ID.match(i)))
        found = await asyncio.gather(*(self._refunds(i) for i in wanted))
        by_id = dict(zip(wanted, found, strict=True))
        return {i: by_id.get(i, []) for i in order_ids}
