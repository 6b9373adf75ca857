"""Magento sandbox storefront: place and change orders (Magento OSS sends no webhooks)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from aiohttp import web

from platforms.magento.sandbox.seed import stamp
from platforms.magento.sandbox.state import MagentoState
from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import SandboxClock, order_change_route

# action -> (state, status) as Magento's order state machine leaves them.
ACTIONS: dict[str, tuple[str, str] | None] = {
    "update": None,
    "cancel": ("canceled", "canceled"),
    "fulfill": ("complete", "complete"),
    "refund": ("closed", "closed"),
    "partial_refund": None,  # a credit memo for part of the order leaves its state alone
}


class MagentoStorefront:
    """`POST /_sandbox/orders` places an order, `POST /_sandbox/orders/{id}` changes one.

    Changes are stamped from the sandbox clock and show up in `GET /V1/orders` searches
    on `updated_at` at once: the poller is how the gateway learns about them.
    """

    def __init__(self, state: MagentoState) -> None:
        self.state = state
        self.clock = SandboxClock()

    @classmethod
    def install(cls, app: web.Application, state: MagentoState) -> MagentoStorefront:
        """Create the storefront and register its control routes."""
        front = cls(state)
        app.router.add_post(f"{CONTROL_PREFIX}/orders", front._create_route)
        change = order_change_route(
            front.change_order,
            not_found={"message": "The entity that was requested doesn't exist."},
            actions=list(ACTIONS),
            error_key="message",
        )
        app.router.add_post(rf"{CONTROL_PREFIX}/orders/{{id:\d+}}", change)
        return front

    def place_order(self) -> dict[str, Any]:
        """A new invoiced (`processing`) order stamped now."""
        template = self.state.orders[min(self.state.orders)]
        order_id = max(self.state.orders) + 1
        now = stamp(self.clock.tick())
        order: dict[str, Any] = copy.deepcopy(template)
        order.update(
            {
                "entity_id": order_id,
                "increment_id": f"{order_id:09d}",
                "created_at": now,
                "updated_at": now,
                "state": "processing",
                "status": "processing",
                "total_paid": order["grand_total"],
                "total_invoiced": order["grand_total"],
                "total_refunded": 0,
                "total_due": 0,
            }
        )
        for item in order.get("items", []):
            item["order_id"] = order_id
            item["qty_shipped"] = item["qty_refunded"] = item["qty_canceled"] = 0
        self.state.orders[order_id] = order
        return order

    def change_order(self, order_id: int, action: str) -> dict[str, Any] | None:
        """Move an order through Magento's state machine (or just touch it)."""
        order = self.state.orders.get(order_id)
        if order is None:
            return None
        order["updated_at"] = stamp(self.clock.tick())
        target = ACTIONS[action]
        if target is not None:
            order["state"], order["status"] = target
        if action == "refund":
            order["total_refunded"] = order["grand_total"]
        if action == "partial_refund":  # a 1.00 credit memo adds to the refunded total
            order["total_refunded"] = float(Decimal(str(order.get("total_refunded") or 0)) + 1)
        if action == "fulfill":
            for item in order.get("items", []):
                item["qty_shipped"] = item.get("qty_ordered", 0)
        return order

    async def _create_route(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.place_order(), status=201)
