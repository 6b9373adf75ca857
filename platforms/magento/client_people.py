"""Magento reads of customers, shipments and credit memos: the base MagentoClient builds on."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from platforms.adapter import CustomerQuery, Page
from platforms.canonical import Customer, Fulfillment, Order, Refund
from platforms.client_kit import numeric_ids
from platforms.errors import PayloadError
from platforms.magento.mapping.common import format_time
from platforms.magento.mapping.people import map_creditmemo, map_customer, map_shipment
from platforms.magento.pagination import SearchCriteria
from platforms.magento.rest import MagentoRest, Payload
from platforms.mapping.kit import Found, MapSite


class MagentoPeopleReads(MagentoRest):
    """`customers/search`, `shipments` and `creditmemos`, each a searchCriteria `in` filter:
    one call per 300 ids (more only when one order has over 300 shipments or memos)."""

    # --- customers --------------------------------------------------------------------

    def _customer(self, payload: Payload) -> Customer:
        return map_customer(
            payload, store_id=self.connection.store_id, default_currency=self._currency
        )

    async def get_customers(self, ids: Sequence[str]) -> Mapping[str, Customer]:
        """Customers by id: `customers/search` with `entity_id in (…)`, 1 call per 300 ids."""
        wanted = numeric_ids(ids)
        rows = await self._search_in("customers/search", "entity_id", wanted, "get_customers")
        mapped = self._site("get_customers").each(self._customer, rows)
        return Found.keyed(*mapped, lambda c: c.external_id, wanted)

    async def list_customers(
        self, query: CustomerQuery, *, cursor: str | None, limit: int
    ) -> Page[Customer]:
        """One page of `customers/search`, newest updated_at first: exactly 1 call."""
        criteria = SearchCriteria()
        if query.updated_after is not None:
            criteria.where("updated_at", format_time(query.updated_after), "gt")
        if query.email is not None:
            criteria.where("email", query.email, "eq")
        items, following = await self._newest_first(
            "customers/search", criteria, cursor, limit, "list_customers"
        )
        customers, errors = self._site("list_customers").each(self._customer, items)
        return Page(customers, following, errors)

    # --- shipments and credit memos -------------------------------------------------------

    def embedded_fulfillments(self, order: Order) -> list[Fulfillment] | None:
        """Magento orders do not embed shipments: always fetched (None)."""
        return None

    def embedded_refunds(self, order: Order) -> list[Refund] | None:
        """Magento orders do not embed credit memos; [] at 0 calls when nothing was refunded
        (`total_refunded` 0/absent), else None (fetch)."""
        refunded = order.raw.get("total_refunded")
        return [] if not refunded else None

    async def get_fulfillments(self, order_ids: Sequence[str]) -> Mapping[str, list[Fulfillment]]:
        """`shipments` with `order_id in (…)` (tracks included): 1 call per 300 orders."""
        wanted = numeric_ids(order_ids)
        rows = await self._search_in("shipments", "order_id", wanted, "get_fulfillments")
        store = self.connection.store_id
        return _per_order(
            order_ids,
            rows,
            self._site("get_fulfillments"),
            lambda row: map_shipment(row, store_id=store),
        )

    async def get_refunds(self, order_ids: Sequence[str]) -> Mapping[str, list[Refund]]:
        """`creditmemos` with `order_id in (…)`: 1 call per 300 orders."""
        wanted = numeric_ids(order_ids)
        rows = await self._search_in("creditmemos", "order_id", wanted, "get_refunds")
        store, currency = self.connection.store_id, self._currency
        return _per_order(
            order_ids,
            rows,
            self._site("get_refunds"),
            lambda row: map_creditmemo(row, store_id=store, default_currency=currency),
        )


def _per_order(
    order_ids: Sequence[str],
    rows: list[Payload],
    site: MapSite,
    mapper: Callable[[Payload], Fulfillment | Refund],
) -> Found[list[Any]]:
    """Rows grouped by their `order_id`; an order with a row that cannot be mapped is in
    `errors` (named by the order), since its list would be incomplete."""
    found: Found[list[Any]] = Found({i: [] for i in order_ids})
    for row in rows:
        order_id = str(row.get("order_id"))
        try:
            found.setdefault(order_id, []).append(site.one(mapper, row, order_id))
        except PayloadError as error:
            found.errors[order_id] = error
    for order_id in found.errors:
        found.pop(order_id, None)
    return found
