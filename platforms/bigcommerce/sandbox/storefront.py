"""What shoppers and merchants do in the sandbox store outside the API: orders placed at checkout
(`POST /_sandbox/orders`) and changed in the control panel (`POST /_sandbox/orders/{id}`),
announced as the platform's thin webhooks would be."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

from platforms.bigcommerce.sandbox.orders import order_body
from platforms.bigcommerce.sandbox.seed import StoreState, rfc2822
from platforms.bigcommerce.sandbox.seed_orders import add_order, refund, ship
from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import order_change_route

CANCELLED, SHIPPED, REFUNDED, PARTIALLY_REFUNDED = 5, 2, 4, 14

Announce = Callable[[str, dict[str, Any]], None]


class Storefront:
    """Checkout for the sandbox store: a placed order is a new V2 order, modified now."""

    def __init__(self, state: StoreState, root: str, announce: Announce) -> None:
        self.state = state
        self.root = root
        self.announce = announce
        self._rng = random.Random(len(state.orders))  # deterministic per seeded store

    def add_to(self, app: web.Application) -> None:
        """`POST /_sandbox/orders` places an order."""
        app.router.add_post(f"{CONTROL_PREFIX}/orders", self._place)
        change = order_change_route(self.change_order, not_found={"status": 404})
        app.router.add_post(f"{CONTROL_PREFIX}/orders/{{id:\\d+}}", change)

    def place_order(self) -> dict[str, Any]:
        """A new order (status Awaiting Fulfillment), stock taken at the default location."""
        oid = max(self.state.orders, default=99) + 1
        order = add_order(
            self._rng, self.state, oid, len(self.state.orders), len(self.state.orders)
        )
        now = self.state.clock.tick()
        order.update({"status_id": 11, "date_created": rfc2822(now), "date_modified": rfc2822(now)})
        order.update(
            {"payment_status": "captured", "refunded_amount": "0.0000", "items_shipped": 0}
        )
        self.state.modified[oid] = now
        # a fresh checkout: nothing shipped or refunded, whatever the seed's draw said
        self.state.shipments.pop(oid, None)
        self.state.refunds = {k: r for k, r in self.state.refunds.items() if r["order_id"] != oid}
        self.state.consignments[oid]["items_shipped"] = 0
        for row in self.state.order_products[oid]:
            row.update({"quantity_shipped": 0, "quantity_refunded": 0, "is_refunded": False})
            record = self.state.stock.get((row["variant_id"], 1))
            if record is not None:
                record["onhand"] -= row["quantity"]
        self.announce("store/order/created", {"type": "order", "id": oid})
        return order_body(self.state, oid, {}, self.root)

    def change_order(self, oid: int, action: str) -> dict[str, Any] | None:
        """A merchant's change: update, cancel, fulfill (ship every line), refund (all of it)
        or partial_refund (one unit of the first line); None for an unknown order."""
        state = self.state
        if oid not in state.orders:
            return None
        now = state.clock.tick()
        rows = state.order_products[oid]
        order = state.orders[oid]
        if action == "cancel":
            order["status_id"] = CANCELLED
            scope, data = "store/order/statusUpdated", {"type": "order", "id": oid}
        elif action == "fulfill":
            shipment = ship(state, oid, rows, now, ("ups", "UPS"))
            order["status_id"] = SHIPPED
            scope, data = (
                "store/shipment/created",
                {"type": "shipment", "id": shipment["id"], "orderId": oid},
            )
        elif action in ("refund", "partial_refund"):
            full = action == "refund"
            made = refund(state, oid, rows if full else rows[:1], full=full, at=now)
            order["status_id"] = REFUNDED if full else PARTIALLY_REFUNDED
            scope, data = (
                "store/order/refund/created",
                {"type": "order", "id": oid, "refund": {"refund_id": made["id"]}},
            )
        else:
            scope, data = "store/order/updated", {"type": "order", "id": oid}
        state.modified[oid] = now
        order["date_modified"] = rfc2822(now)
        self.announce(scope, data)
        return order_body(state, oid, {}, self.root)

    async def _place(self, _: web.Request) -> web.StreamResponse:
        return web.json_response(self.place_order(), status=201)
