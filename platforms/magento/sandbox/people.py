"""Sandbox customers, shipments and credit memos, derived from the seeded orders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from platforms.magento.sandbox import query as sc
from platforms.magento.sandbox.seed import ANCHOR, stamp
from platforms.magento.sandbox.seed_orders import _PEOPLE
from platforms.magento.sandbox.state import MagentoState

Payload = dict[str, Any]
_FIELDS = sc.field_getter({"entity_id": "entity_id"})
_CUSTOMER_FIELDS = sc.field_getter({"entity_id": "id"})
PEOPLE = 24  # seed_orders draws `person` from range(24); every fifth one checks out as guest


def _top_rows(order: Payload) -> list[Payload]:
    return [r for r in order["items"] if "parent_item_id" not in r]


def customer(person: int, orders: list[Payload]) -> Payload:
    """Customer 100+person as GET /V1/customers/search returns it (address from the seed)."""
    first, last, city, code, region = _PEOPLE[person % len(_PEOPLE)]
    ident = 100 + person
    created = stamp(ANCHOR - timedelta(days=400 - person))
    updated = max([created, *(o["updated_at"] for o in orders)])
    return {
        "id": ident,
        "group_id": 1,
        "default_billing": str(ident),
        "default_shipping": str(ident),
        "created_at": created,
        "updated_at": updated,
        "created_in": "Default Store View",
        "email": f"{first.lower()}.{last.lower()}{person}@example.com",
        "firstname": first,
        "lastname": last,
        "store_id": 1,
        "website_id": 1,
        "addresses": [
            {
                "id": ident,
                "customer_id": ident,
                "region": {"region_code": code, "region": region, "region_id": 0},
                "region_id": 0,
                "country_id": "US",
                "street": [f"{100 + person} Main St"],
                "telephone": f"512-555-{1000 + person:04d}",
                "postcode": f"{10000 + person * 37:05d}",
                "city": city,
                "firstname": first,
                "lastname": last,
                "default_shipping": True,
                "default_billing": True,
            }
        ],
        "disable_auto_group_change": 0,
        "extension_attributes": {"is_subscribed": person % 3 == 0},
    }


def shipment(order: Payload, source_code: str) -> Payload:
    """The one shipment of a shipped order, with its UPS track."""
    oid = order["entity_id"]
    rows = _top_rows(order)
    return {
        "entity_id": oid,
        "increment_id": order["increment_id"],
        "order_id": oid,
        "store_id": 1,
        "customer_id": order["customer_id"],
        "billing_address_id": order["billing_address"]["entity_id"],
        "shipping_address_id": order["billing_address"]["entity_id"] + 1,
        "created_at": order["updated_at"],
        "updated_at": order["updated_at"],
        "total_qty": sum(r["qty_shipped"] for r in rows),
        "packages": [],
        "comments": [],
        "items": [
            {
                "entity_id": r["item_id"],
                "parent_id": oid,
                "order_item_id": r["item_id"],
                "product_id": r["product_id"],
                "sku": r["sku"],
                "name": r["name"],
                "price": r["price"],
                "weight": r["weight"],
                "qty": r["qty_shipped"],
            }
            for r in rows
        ],
        "tracks": [
            {
                "entity_id": oid,
                "parent_id": oid,
                "order_id": oid,
                "track_number": f"1Z999AA1{oid:010d}",
                "title": "United Parcel Service",
                "carrier_code": "ups",
                "created_at": order["updated_at"],
                "updated_at": order["updated_at"],
            }
        ],
        "extension_attributes": {"source_code": source_code},
    }


def creditmemo(order: Payload) -> Payload:
    """The credit memo that refunded a closed order in full (online, so with a transaction)."""
    oid = order["entity_id"]
    rows = _top_rows(order)
    return {
        "entity_id": oid,
        "increment_id": order["increment_id"],
        "order_id": oid,
        "invoice_id": oid,
        "store_id": 1,
        "state": 2,
        "created_at": order["updated_at"],
        "updated_at": order["updated_at"],
        "order_currency_code": order["order_currency_code"],
        "base_currency_code": order["base_currency_code"],
        "subtotal": order["subtotal"],
        "discount_amount": order["discount_amount"],
        "tax_amount": order["tax_amount"],
        "shipping_amount": order["shipping_amount"],
        "adjustment_positive": 0,
        "adjustment_negative": 0,
        "grand_total": order["total_refunded"],
        "base_grand_total": order["total_refunded"],
        "transaction_id": f"ch_{oid:08d}-refund",
        "customer_note": None,
        "comments": [{"comment": "Returned by customer", "parent_id": oid, "entity_id": oid}],
        "items": [
            {
                "entity_id": r["item_id"],
                "parent_id": oid,
                "order_item_id": r["item_id"],
                "product_id": r["product_id"],
                "sku": r["sku"],
                "name": r["name"],
                "qty": r["qty_refunded"],
                "price": r["price"],
                "row_total": r["row_total"],
                "tax_amount": r["tax_amount"],
                "discount_amount": r["discount_amount"],
            }
            for r in rows
        ],
    }


class MagentoPeopleRoutes:
    """GET customers/search, shipments and creditmemos, computed from the current orders (so
    storefront changes show up at once)."""

    def __init__(self, state: MagentoState, *, msi: bool) -> None:
        self.state = state
        self.msi = msi

    @classmethod
    def install(
        cls, app: web.Application, state: MagentoState, guard: sc.Guard, *, msi: bool
    ) -> MagentoPeopleRoutes:
        """Register the routes under both REST prefixes, behind the sandbox's auth guard."""
        routes = cls(state, msi=msi)
        table = [
            ("/customers/search", "Magento_Customer::customer", routes._customers),
            ("/shipments", "Magento_Sales::shipment", routes._shipments),
            ("/creditmemos", "Magento_Sales::sales_creditmemo", routes._creditmemos),
        ]
        for prefix in sc.PREFIXES:
            for path, resource, handler in table:
                app.router.add_get(prefix + path, guard(resource, handler))
        return routes

    def customers(self) -> list[Payload]:
        """Every registered customer (guests are not customers)."""
        by_customer: dict[int, list[Payload]] = {}
        for order in self.state.orders.values():
            if order.get("customer_id"):
                by_customer.setdefault(order["customer_id"], []).append(order)
        return [
            customer(person, by_customer.get(100 + person, []))
            for person in range(PEOPLE)
            if person % 5 != 4
        ]

    def shipments(self) -> list[Payload]:
        """One shipment per order with shipped quantities."""
        source = self.state.sources[0]["source_code"] if self.msi else "default"
        created = {s["order_id"] for s in self.state.shipments}  # through order/{id}/ship
        return [
            shipment(o, source)
            for o in self.state.orders.values()
            if any(r.get("qty_shipped") for r in _top_rows(o)) and o["entity_id"] not in created
        ] + self.state.shipments

    def creditmemos(self) -> list[Payload]:
        """One credit memo per refunded order."""
        created = {m["order_id"] for m in self.state.creditmemos}  # through order/{id}/refund
        return [
            creditmemo(o)
            for o in self.state.orders.values()
            if o.get("total_refunded") and o["entity_id"] not in created
        ] + self.state.creditmemos

    async def _customers(self, request: web.Request) -> web.StreamResponse:
        return sc.search(request, self.customers(), _CUSTOMER_FIELDS)

    async def _shipments(self, request: web.Request) -> web.StreamResponse:
        return sc.search(request, self.shipments(), _FIELDS)

    async def _creditmemos(self, request: web.Request) -> web.StreamResponse:
        return sc.search(request, self.creditmemos(), _FIELDS)
