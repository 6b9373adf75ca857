"""V2 order reads (with `include=consignments.line_items`), order statuses, shipments, and
V3 refund reads, over the sandbox's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from platforms.bigcommerce.mapping.common import parse_time
from platforms.bigcommerce.sandbox.query import (
    BadRequest,
    Payload,
    ids_param,
    int_param,
    time_param,
    v2_error,
    v2_page,
    v3_page,
)
from platforms.bigcommerce.sandbox.seed import StoreState, v2_money
from platforms.bigcommerce.sandbox.seed_orders import TAX_RATE

NOT_FOUND = "The requested resource was not found."
STATUS_NAMES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}


def public(row: Payload) -> Payload:
    """A stored row without the sandbox's own bookkeeping (keys starting with "_")."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def order_body(state: StoreState, oid: int, query: Any, root: str) -> Payload:
    """An order as V2 sends it; its consignments (with line items) when `include` asks."""
    order = state.orders[oid]
    body = {**order, "status": STATUS_NAMES.get(order["status_id"], "")}
    body["custom_status"] = body["status"]
    body["products"] = {
        "url": f"{root}/v2/orders/{oid}/products",
        "resource": f"/orders/{oid}/products",
    }
    include = set((query.get("include") or "").split(","))
    if query.get("consignment_structure") == "object" and include & {
        "consignments",
        "consignments.line_items",
    }:
        shipping = dict(state.consignments[oid])
        if "consignments.line_items" in include:
            shipping["line_items"] = [public(r) for r in state.order_products[oid]]
        body["consignments"] = {
            "pickups": [],
            "shipping": [shipping],
            "downloads": [],
            "email": {"gift_certificates": []},
        }
    return body


def order_taxes(state: StoreState, oid: int) -> list[Payload]:
    """`orders/{id}/taxes`: one row for the order's one shipping address and tax rate (none
    when untaxed: the route answers 204), amounts as V2's 4-decimal strings."""
    order = state.orders[oid]
    amount = v2_money(Decimal(str(order.get("total_tax") or 0)))
    if Decimal(amount) == 0:
        return []
    rate = state.tax_rates.get(oid, TAX_RATE) * 100
    return [
        {
            "id": oid,
            "order_id": oid,
            "order_address_id": oid,
            "tax_rate_id": 1,
            "sales_tax_id": "",
            "tax_class_id": 0,
            "name": "Tax",
            "class": "Default Tax Class",
            "rate": f"{rate:.4f}",
            "priority": 0,
            "priority_amount": amount,
            "line_amount": amount,
            "order_pickup_method_id": 0,
        }
    ]


class OrderRoutes:
    """`/v2/orders…`, `/v2/order_statuses`, `/v3/orders/payment_actions/refunds`."""

    def __init__(self, state: StoreState, root: str) -> None:
        self.state = state
        self.root = root

    def add_to(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Register the read routes under `/stores/{hash}`."""
        router.add_get(f"{prefix}/v2/orders", self.list_orders)
        router.add_get(f"{prefix}/v2/orders/{{id:\\d+}}", self.get_order)
        router.add_get(f"{prefix}/v2/orders/{{id:\\d+}}/products", self.order_products)
        router.add_get(f"{prefix}/v2/orders/{{id:\\d+}}/shipments", self.shipments)
        router.add_get(f"{prefix}/v2/orders/{{id:\\d+}}/taxes", self.taxes)
        router.add_get(f"{prefix}/v2/order_statuses", self.statuses)
        router.add_get(f"{prefix}/v3/orders/payment_actions/refunds", self.refunds)
        router.add_get(
            f"{prefix}/v3/orders/{{id:\\d+}}/payment_actions/refunds", self.order_refunds
        )

    def _listed(self, query: Any) -> list[int]:
        state = self.state
        ids = [i for i, o in state.orders.items() if o["status_id"] != 0 and not o["is_deleted"]]
        low, high = query.get("min_id"), query.get("max_id")
        if low is not None:
            ids = [i for i in ids if i >= int_param(query, "min_id", 1)]
        if high is not None:
            ids = [i for i in ids if i <= int_param(query, "max_id", 1)]
        if "status_id" in query:
            ids = [i for i in ids if state.orders[i]["status_id"] == int(query["status_id"])]
        for name, keep in (("min_date_modified", 1), ("max_date_modified", -1)):
            bound = time_param(query, name)
            if bound is not None:
                ids = [i for i in ids if (state.modified[i] - bound).total_seconds() * keep >= 0]
        created = time_param(query, "min_date_created")
        if created is not None:
            ids = [i for i in ids if _created(state, i) >= created]
        return self._sorted(ids, str(query.get("sort") or "id:asc"))

    def _sorted(self, ids: list[int], sort: str) -> list[int]:
        field, _, direction = sort.partition(":")
        if field not in ("id", "date_modified", "date_created"):
            raise BadRequest(f"sort by {field!r} is not supported")
        desc = direction == "desc"
        if field == "id":
            return sorted(ids, reverse=desc)
        # equal times go by id, in the same direction: a stable tie order
        if field == "date_modified":
            return sorted(ids, key=lambda i: (self.state.modified[i], i), reverse=desc)
        return sorted(ids, key=lambda i: (_created(self.state, i), i), reverse=desc)

    async def list_orders(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        rows = [order_body(self.state, i, query, self.root) for i in self._listed(query)]
        return v2_page(rows, query)

    async def get_order(self, request: web.Request) -> web.StreamResponse:
        oid = int(request.match_info["id"])
        if oid not in self.state.orders:
            return v2_error(404, NOT_FOUND)
        return web.json_response(order_body(self.state, oid, request.query, self.root))

    async def order_products(self, request: web.Request) -> web.StreamResponse:
        oid = int(request.match_info["id"])
        if oid not in self.state.orders:
            return v2_error(404, NOT_FOUND)
        return v2_page([public(r) for r in self.state.order_products[oid]], request.query)

    async def shipments(self, request: web.Request) -> web.StreamResponse:
        oid = int(request.match_info["id"])
        if oid not in self.state.orders:
            return v2_error(404, NOT_FOUND)
        return v2_page(self.state.shipments.get(oid, []), request.query)

    async def taxes(self, request: web.Request) -> web.StreamResponse:
        oid = int(request.match_info["id"])
        if oid not in self.state.orders:
            return v2_error(404, NOT_FOUND)
        return v2_page(order_taxes(self.state, oid), request.query)

    async def statuses(self, _: web.Request) -> web.StreamResponse:
        return web.json_response(
            [
                {"id": i, "name": n, "system_label": n, "custom_label": n, "order": i}
                for i, n in STATUS_NAMES.items()
            ]
        )

    async def refunds(self, request: web.Request) -> web.StreamResponse:
        orders = ids_param(request.query, "order_id:in")
        rows = [r for r in self.state.refunds.values() if orders is None or r["order_id"] in orders]
        return v3_page(sorted(rows, key=lambda r: r["id"]), request.query)

    async def order_refunds(self, request: web.Request) -> web.StreamResponse:
        oid = int(request.match_info["id"])
        rows = [r for r in self.state.refunds.values() if r["order_id"] == oid]
        return v3_page(rows, request.query)


def _created(state: StoreState, oid: int) -> Any:
    return parse_time(state.orders[oid]["date_created"]) or state.modified[oid]
